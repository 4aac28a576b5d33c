//! A list a page shows, kept current by pushed rows instead of reloads.
//!
//! The page loads the list over REST once (and again on a resync); each pushed row then
//! lands in place: it replaces the row with its id, is inserted where the list's order puts
//! it, or is taken out when it no longer belongs on the page (its filter). A pushed row
//! older than the one held (`seq`, the bus position of the last event applied to it) is
//! dropped. Rows pushed while a load is under way are kept and applied again to the loaded
//! list, so a load that read the database before them does not undo them.

use std::cmp::Ordering;

/// A row of a live list.
pub trait LiveRow: Clone {
    fn key(&self) -> &str;
    fn seq(&self) -> i64;
    /// This row, pushed, taking over what only the REST row had (names joined in by the
    /// server, fields of a detail view) from `held`, the row it replaces.
    fn merged(self, held: &Self) -> Self;
}

/// What became of one pushed row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Inserted,
    Updated,
    Removed,
    /// Older than the row held: dropped.
    Stale,
    /// Not on this page, and does not belong on it.
    Outside,
    /// Belongs, but past the end of a list that has more rows than it holds (a later page).
    Beyond,
}

impl Applied {
    /// The list changed: the page draws it again.
    pub fn changed(self) -> bool {
        matches!(self, Self::Inserted | Self::Updated | Self::Removed)
    }
}

#[derive(Clone, Debug)]
pub struct LiveRows<T> {
    rows: Vec<T>,
    order: fn(&T, &T) -> Ordering,
    /// Every row that belongs is held (not only a first page of them).
    complete: bool,
    loaded: bool,
    loading: bool,
    /// Pushed while a load is under way, with whether each belonged.
    during_load: Vec<(T, bool)>,
}

impl<T: LiveRow> LiveRows<T> {
    pub fn new(order: fn(&T, &T) -> Ordering) -> Self {
        Self {
            rows: Vec::new(),
            order,
            complete: true,
            loaded: false,
            loading: false,
            during_load: Vec::new(),
        }
    }

    pub fn rows(&self) -> &[T] {
        &self.rows
    }

    /// `None` before the first load: the page says "Loading…".
    pub fn loaded_rows(&self) -> Option<&[T]> {
        self.loaded.then_some(self.rows.as_slice())
    }

    pub fn is_complete(&self) -> bool {
        self.complete
    }

    pub fn get(&self, key: &str) -> Option<&T> {
        self.rows.iter().find(|r| r.key() == key)
    }

    /// A REST load starts: rows pushed from now on are applied again after it.
    pub fn begin_load(&mut self) {
        self.loading = true;
        self.during_load.clear();
    }

    /// The REST answer: `complete` is false when the server has more rows than it sent.
    pub fn finish_load(&mut self, rows: Vec<T>, complete: bool) {
        self.rows = rows;
        self.complete = complete;
        self.loaded = true;
        self.loading = false;
        for (row, belongs) in std::mem::take(&mut self.during_load) {
            self.place(row, belongs);
        }
    }

    /// The load failed: what was held stays, with what was pushed meanwhile.
    pub fn abandon_load(&mut self) {
        self.loading = false;
        self.during_load.clear();
    }

    /// Applies one pushed row; `belongs` says whether it is one the page lists (its filter).
    pub fn push(&mut self, row: T, belongs: bool) -> Applied {
        if self.loading {
            self.during_load.push((row.clone(), belongs));
        }
        self.place(row, belongs)
    }

    /// Edits the held rows in place (a recount of derived columns).
    pub fn rows_mut(&mut self) -> &mut [T] {
        &mut self.rows
    }

    fn place(&mut self, row: T, belongs: bool) -> Applied {
        match self.rows.iter().position(|r| r.key() == row.key()) {
            Some(at) if self.rows[at].seq() > row.seq() => Applied::Stale,
            Some(at) if !belongs => {
                self.rows.remove(at);
                Applied::Removed
            }
            Some(at) => {
                let row = row.merged(&self.rows[at]);
                self.rows.remove(at);
                self.insert(row)
                    .map_or(Applied::Removed, |_| Applied::Updated)
            }
            None if !belongs => Applied::Outside,
            None => self
                .insert(row)
                .map_or(Applied::Beyond, |_| Applied::Inserted),
        }
    }

    /// Where the order puts it; `None` when that is past the end of an incomplete list.
    fn insert(&mut self, row: T) -> Option<usize> {
        let order = self.order;
        let at = self
            .rows
            .iter()
            .position(|held| order(&row, held) == Ordering::Less)
            .unwrap_or(self.rows.len());
        if at == self.rows.len() && !self.complete {
            return None;
        }
        self.rows.insert(at, row);
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Row {
        id: &'static str,
        seq: i64,
        rank: i64,
        name: Option<&'static str>,
    }

    impl LiveRow for Row {
        fn key(&self) -> &str {
            self.id
        }
        fn seq(&self) -> i64 {
            self.seq
        }
        fn merged(mut self, held: &Self) -> Self {
            self.name = self.name.or(held.name);
            self
        }
    }

    fn row(id: &'static str, seq: i64, rank: i64) -> Row {
        Row {
            id,
            seq,
            rank,
            name: None,
        }
    }

    fn by_rank(a: &Row, b: &Row) -> Ordering {
        a.rank.cmp(&b.rank)
    }

    fn ids(list: &LiveRows<Row>) -> Vec<&'static str> {
        list.rows().iter().map(|r| r.id).collect()
    }

    fn loaded(rows: Vec<Row>, complete: bool) -> LiveRows<Row> {
        let mut list = LiveRows::new(by_rank);
        list.begin_load();
        list.finish_load(rows, complete);
        list
    }

    #[test]
    fn a_pushed_row_is_inserted_in_order_updated_in_place_and_removed_when_it_leaves() {
        let mut list = loaded(vec![row("a", 1, 10), row("c", 3, 30)], true);

        assert_eq!(list.push(row("b", 4, 20), true), Applied::Inserted);
        assert_eq!(ids(&list), ["a", "b", "c"]);

        assert_eq!(list.push(row("a", 5, 40), true), Applied::Updated);
        assert_eq!(
            ids(&list),
            ["b", "c", "a"],
            "moved to where its new rank puts it"
        );

        assert_eq!(list.push(row("b", 6, 20), false), Applied::Removed);
        assert_eq!(ids(&list), ["c", "a"]);

        assert_eq!(list.push(row("z", 7, 1), false), Applied::Outside);
        assert_eq!(ids(&list), ["c", "a"]);
    }

    #[test]
    fn an_older_row_is_dropped_and_what_only_rest_knew_is_kept() {
        let mut list = loaded(
            vec![Row {
                name: Some("Ana"),
                ..row("a", 9, 10)
            }],
            true,
        );
        assert_eq!(list.push(row("a", 8, 10), true), Applied::Stale);
        assert_eq!(list.push(row("a", 10, 10), true), Applied::Updated);
        assert_eq!(list.get("a").and_then(|r| r.name), Some("Ana"));
    }

    #[test]
    fn a_row_past_the_end_of_a_first_page_is_left_for_the_next_page() {
        let mut list = loaded(vec![row("a", 1, 10), row("b", 2, 20)], false);
        assert_eq!(list.push(row("c", 3, 30), true), Applied::Beyond);
        assert_eq!(list.push(row("d", 4, 15), true), Applied::Inserted);
        assert_eq!(ids(&list), ["a", "d", "b"]);
    }

    #[test]
    fn rows_pushed_during_a_load_are_applied_again_to_what_it_loaded() {
        let mut list = loaded(vec![row("a", 1, 10)], true);
        list.begin_load();
        list.push(row("b", 5, 20), true);
        list.push(row("a", 6, 10), false);
        // The load read the database before those two changes.
        list.finish_load(vec![row("a", 4, 10)], true);
        assert_eq!(ids(&list), ["b"]);
    }
}

//! Only the newest load may set a page's state.
//!
//! A page reloads on a push, a timer, a button and its own commands, and those loads run
//! at once. Their answers can come back out of order: an answer to an older request that
//! lands last would overwrite a newer one, and the page would show a stale state until
//! the next push (which may never come, e.g. after the interpreter's last change).

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

/// Numbers the loads of one loader; see [`Latest::spawn`].
#[derive(Clone, Default)]
pub struct Latest(Rc<Cell<u64>>);

/// One load: asked [`LoadTicket::is_current`] before its answer may set state.
struct LoadTicket {
    latest: Rc<Cell<u64>>,
    number: u64,
}

impl Latest {
    /// Starts a load; every load started before it stops being current.
    fn begin(&self) -> LoadTicket {
        let number = self.0.get() + 1;
        self.0.set(number);
        LoadTicket {
            latest: self.0.clone(),
            number,
        }
    }

    /// Runs `load` and hands its answer to `show`, unless a newer load began meanwhile.
    pub fn spawn<T: 'static>(
        &self,
        load: impl Future<Output = T> + 'static,
        show: impl FnOnce(T) + 'static,
    ) {
        let ticket = self.begin();
        spawn_local(async move {
            let answer = load.await;
            if ticket.is_current() {
                show(answer);
            }
        });
    }
}

impl LoadTicket {
    /// No load of the same loader was started after this one.
    fn is_current(&self) -> bool {
        self.latest.get() == self.number
    }
}

/// A [`Latest`] that lives as long as the component.
#[hook]
pub fn use_latest() -> Latest {
    (*use_memo((), |_| Latest::default())).clone()
}

//! Every page of the app, as a typed route.

use yew_router::prelude::*;

use crate::i18n::t;
use crate::types::Role;

#[derive(Clone, Debug, PartialEq, Routable)]
pub enum Route {
    /// Sends each role to its home.
    #[at("/")]
    Home,
    #[at("/login")]
    Login,
    /// Set a new password with a one-use link (`#token=…`); open signed in or not. The
    /// path is `wire::accounts::RESET_PATH`, where the server's links point.
    #[at("/reset-password")]
    ResetPassword,
    /// A guest's way into one call, by the link a participant gave them (`#token=…`); no
    /// account. The path is `wire::room::GUEST_PATH`, where the server's links point.
    #[at("/guest")]
    Guest,
    /// The signed-in user's own account: password change.
    #[at("/account")]
    Account,
    /// Requester: ask for an interpreter; past calls.
    #[at("/request")]
    Request,
    /// Requester: one call (waiting, in the room, rating).
    #[at("/my-calls/:id")]
    MyCall { id: String },
    /// Interpreter console.
    #[at("/console")]
    Console,
    /// Supervisor: the live floor.
    #[at("/floor")]
    Floor,
    /// The floor as it was at an instant.
    #[at("/floor/at")]
    FloorAt,
    /// Calls, to open one's history.
    #[at("/calls")]
    Calls,
    /// A call's timeline and state at any instant.
    #[at("/calls/:id/history")]
    Replay { id: String },
    #[at("/analytics")]
    Analytics,
    /// A past interval replayed through the router with other settings (issue 20).
    #[at("/analytics/what-if")]
    WhatIf,
    #[at("/admin")]
    Admin,
    /// Organisations (admin creates; admin and supervisor open one's policy).
    #[at("/organisations")]
    Organisations,
    /// One organisation: its policy and the policy's history.
    #[at("/organisations/:id")]
    Organisation { id: String },
    /// An organisation's invoice for a month, to print (issue 19).
    #[at("/invoices")]
    Invoices,
    /// A call's bill beside its timeline: which events each billed line comes from.
    #[at("/billing/calls/:id")]
    Dispute { id: String },
    #[not_found]
    #[at("/404")]
    NotFound,
}

impl Route {
    /// Where a role lands after signing in.
    pub fn home_of(role: Role) -> Route {
        match role {
            Role::Requester => Route::Request,
            Role::Agent => Route::Console,
            Role::Supervisor => Route::Floor,
            Role::Analyst => Route::Analytics,
            Role::Admin => Route::Admin,
        }
    }

    /// The pages a role may open (the server checks again).
    pub fn allowed(&self, role: Role) -> bool {
        use Role::*;
        match self {
            Route::Home | Route::Login | Route::NotFound => true,
            Route::ResetPassword | Route::Account | Route::Guest => true,
            Route::Request | Route::MyCall { .. } => matches!(role, Requester | Admin),
            Route::Console => role == Agent,
            Route::Floor | Route::FloorAt => matches!(role, Supervisor | Admin),
            Route::Calls | Route::Replay { .. } => matches!(role, Supervisor | Admin),
            Route::Analytics | Route::WhatIf => matches!(role, Analyst | Supervisor | Admin),
            Route::Admin => role == Admin,
            Route::Organisations | Route::Organisation { .. } => {
                matches!(role, Supervisor | Admin)
            }
            Route::Invoices => matches!(role, Analyst | Admin),
            // The timeline beside the bill is for admins (the history is staff-only).
            Route::Dispute { .. } => role == Admin,
        }
    }

    /// The view's name in the document title (and so in tabs, history and what a screen
    /// reader says when the page changes).
    /// The view's title, in the interface's language.
    pub fn title(&self) -> String {
        t(match self {
            Route::Home => "title-home",
            Route::Login => "title-login",
            Route::ResetPassword => "title-reset-password",
            Route::Guest => "title-guest",
            Route::Account => "title-account",
            Route::Request => "title-request",
            Route::MyCall { .. } => "title-my-call",
            Route::Console => "title-console",
            Route::Floor => "title-floor",
            Route::FloorAt => "title-floor-at",
            Route::Calls => "title-calls",
            Route::Replay { .. } => "title-replay",
            Route::Analytics => "title-analytics",
            Route::WhatIf => "title-what-if",
            Route::Admin => "title-admin",
            Route::Organisations => "title-organisations",
            Route::Organisation { .. } => "title-organisation",
            Route::Invoices => "title-invoices",
            Route::Dispute { .. } => "title-dispute",
            Route::NotFound => "title-not-found",
        })
    }

    /// The navigation of a role: (route, label).
    /// The views a role's top bar links to, each with its label's message id.
    pub fn nav_of(role: Role) -> Vec<(Route, &'static str)> {
        match role {
            Role::Requester => vec![(Route::Request, "nav-request")],
            Role::Agent => vec![(Route::Console, "nav-console")],
            Role::Supervisor => vec![
                (Route::Floor, "nav-floor"),
                (Route::FloorAt, "nav-floor-at"),
                (Route::Calls, "nav-calls"),
                (Route::Analytics, "nav-analytics"),
                (Route::Organisations, "nav-organisations"),
            ],
            Role::Analyst => vec![
                (Route::Analytics, "nav-analytics"),
                (Route::Invoices, "nav-invoices"),
            ],
            Role::Admin => vec![
                (Route::Admin, "nav-admin"),
                (Route::Organisations, "nav-organisations"),
                (Route::Floor, "nav-floor"),
                (Route::Calls, "nav-calls"),
                (Route::Analytics, "nav-analytics"),
                (Route::Invoices, "nav-invoices"),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reset_page_is_where_the_servers_links_point() {
        assert_eq!(Route::ResetPassword.to_path(), wire::accounts::RESET_PATH);
        assert_eq!(Route::Guest.to_path(), wire::room::GUEST_PATH);
        assert!(Role::ALL.iter().all(|r| Route::Account.allowed(*r)));
    }

    #[test]
    fn every_page_a_role_navigates_to_has_its_own_title() {
        for role in Role::ALL {
            let titles: Vec<_> = Route::nav_of(role).iter().map(|(r, _)| r.title()).collect();
            let mut unique = titles.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(titles.len(), unique.len(), "{role:?}: {titles:?}");
        }
    }
}

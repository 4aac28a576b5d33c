//! The frame: header with navigation, the live connection, the user and sign-out.

use yew::prelude::*;
use yew_router::prelude::*;

use std::cell::Cell;
use std::rc::Rc;

use crate::hooks::{focus_main_heading, use_live_status, use_session, LiveStatus, SessionAction};
use crate::route::Route;

#[derive(Properties, PartialEq)]
pub struct LayoutProps {
    pub children: Children,
}

#[function_component]
pub fn Layout(props: &LayoutProps) -> Html {
    let session = use_session();
    let live = use_live_status();
    let route = use_route::<Route>();
    let navigator = use_navigator();

    // A new view (another route, or signing in or out) replaces the control that led to
    // it, and the browser would leave the focus on <body>: it goes to the new view's
    // heading instead, which a screen reader then reads. Not on the first load, where Tab
    // must still reach the skip link first.
    let rendered_before = use_memo((), |_| Rc::new(Cell::new(false)));
    use_effect_with((route.clone(), session.session.is_some()), move |_| {
        if rendered_before.replace(true) {
            focus_main_heading();
        }
    });

    let header = match session.session.as_ref() {
        None => html! {
            <header class="topbar">
                <span class="brand">{ "Parley" }</span>
            </header>
        },
        Some(current) => {
            let role = current.user.role;
            let logout = {
                let session = session.clone();
                Callback::from(move |_| {
                    session.dispatch(SessionAction::LoggedOut);
                    if let Some(navigator) = navigator.clone() {
                        navigator.push(&Route::Login);
                    }
                })
            };
            let (live_class, live_text) = match &live {
                LiveStatus::Connected => ("live live-on", "Live".to_owned()),
                LiveStatus::Connecting => ("live live-wait", "Connecting…".to_owned()),
                LiveStatus::Retrying { in_s, .. } => {
                    ("live live-off", format!("Offline · retry in {in_s}s"))
                }
                LiveStatus::Offline => ("live live-off", "Offline".to_owned()),
            };
            html! {
                <header class="topbar">
                    <Link<Route> to={Route::home_of(role)} classes="brand">{ "Parley" }</Link<Route>>
                    <nav aria-label="Main">
                        <ul>
                            { for Route::nav_of(role).into_iter().map(|(to, label)| {
                                let current = route.as_ref() == Some(&to);
                                html! {
                                    <li>
                                        <Link<Route> {to} classes={classes!(current.then_some("active"))}>{ label }</Link<Route>>
                                    </li>
                                }
                            }) }
                        </ul>
                    </nav>
                    <div class="topbar-end">
                        <span class={live_class} title="Live updates" data-testid="live-status">
                            <span class="dot" aria-hidden="true"></span>{ live_text }
                        </span>
                        <Link<Route> to={Route::Account} classes={classes!("who", (route.as_ref() == Some(&Route::Account)).then_some("active"))}>
                            <span class="sr-only">{ "My account: " }</span>
                            <strong>{ current.user.name.clone() }</strong>
                            <span class="muted">{ format!(" · {}", role.label()) }</span>
                        </Link<Route>>
                        <button type="button" class="secondary small" onclick={logout}>{ "Sign out" }</button>
                    </div>
                </header>
            }
        }
    };

    let banner = match (&live, session.session.is_some()) {
        (LiveStatus::Retrying { attempt, in_s }, true) if *attempt >= 1 => html! {
            <div class="connection-lost" role="status">
                { format!("Connection to the server lost. Live updates paused; reconnecting in {in_s} s (attempt {attempt}). What you see may be out of date.") }
            </div>
        },
        _ => html! {},
    };

    html! {
        <>
            <a class="skip" href="#main">{ "Skip to content" }</a>
            { header }
            { banner }
            <main id="main" tabindex="-1">
                { props.children.clone() }
            </main>
        </>
    }
}

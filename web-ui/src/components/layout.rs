//! The frame: header with navigation, the live connection, the user and sign-out.

use yew::prelude::*;
use yew_router::prelude::*;

use std::cell::Cell;
use std::rc::Rc;

use crate::components::language_picker::LanguagePicker;
use crate::hooks::{focus_main_heading, use_live_status, use_session, LiveStatus, SessionAction};
use crate::i18n::{num, t, t_args, use_locale};
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
    use_locale();

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
                <div class="topbar-end">
                    <LanguagePicker />
                </div>
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
                LiveStatus::Connected => ("live live-on", t("live-connected")),
                LiveStatus::Connecting => ("live live-wait", t("live-connecting")),
                LiveStatus::Retrying { in_s, .. } => (
                    "live live-off",
                    t_args("live-retrying", &[("seconds", num(*in_s))]),
                ),
                LiveStatus::Offline => ("live live-off", t("live-offline")),
            };
            html! {
                <header class="topbar">
                    <Link<Route> to={Route::home_of(role)} classes="brand">{ "Parley" }</Link<Route>>
                    <nav aria-label={t("nav-main-label")}>
                        <ul>
                            { for Route::nav_of(role).into_iter().map(|(to, label_id)| {
                                let current = route.as_ref() == Some(&to);
                                html! {
                                    <li>
                                        <Link<Route> {to} classes={classes!(current.then_some("active"))}>{ t(label_id) }</Link<Route>>
                                    </li>
                                }
                            }) }
                        </ul>
                    </nav>
                    <div class="topbar-end">
                        <span class={live_class} title={t("live-title")} data-testid="live-status">
                            <span class="dot" aria-hidden="true"></span>{ live_text }
                        </span>
                        <Link<Route> to={Route::Account} classes={classes!("who", (route.as_ref() == Some(&Route::Account)).then_some("active"))}>
                            <span class="sr-only">{ t("my-account-prefix") }</span>
                            <strong>{ current.user.name.clone() }</strong>
                            <span class="muted">{ format!(" · {}", role.label()) }</span>
                        </Link<Route>>
                        <LanguagePicker />
                        <button type="button" class="secondary small" onclick={logout}>{ t("sign-out") }</button>
                    </div>
                </header>
            }
        }
    };

    let banner = match (&live, session.session.is_some()) {
        (LiveStatus::Retrying { attempt, in_s }, true) if *attempt >= 1 => html! {
            <div class="connection-lost" role="status">
                { t_args("connection-lost", &[("seconds", num(*in_s)), ("attempt", num(*attempt))]) }
            </div>
        },
        _ => html! {},
    };

    html! {
        <>
            <a class="skip" href="#main">{ t("skip-to-content") }</a>
            { header }
            { banner }
            <main id="main" tabindex="-1">
                { props.children.clone() }
            </main>
        </>
    }
}

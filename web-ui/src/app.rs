//! The root: session and live providers, the router, the frame and the page switch.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::layout::Layout;
use crate::hooks::{use_session, use_title, LiveProvider, SessionProvider};
use crate::i18n::{arg, t, t_args, use_locale, LocaleProvider};
use crate::pages;
use crate::route::Route;

#[function_component]
pub fn App() -> Html {
    html! {
        <BrowserRouter>
            <SessionProvider>
                <LocaleProvider>
                    <LiveProvider>
                        <Layout>
                            <Switch<Route> render={switch} />
                        </Layout>
                    </LiveProvider>
                </LocaleProvider>
            </SessionProvider>
        </BrowserRouter>
    }
}

fn switch(route: Route) -> Html {
    html! { <Guard {route} /> }
}

#[derive(Properties, PartialEq)]
struct GuardProps {
    route: Route,
}

/// Signed out: the login page. Signed in: the page, if the role may open it.
#[function_component]
fn Guard(props: &GuardProps) -> Html {
    let session = use_session();
    // The title and the page below follow the language (`use_locale`).
    use_locale();
    let role = session.session.as_ref().map(|s| s.user.role);
    let title = match role {
        _ if matches!(props.route, Route::ResetPassword | Route::Guest) => props.route.title(),
        None => Route::Login.title(),
        Some(role) if !props.route.allowed(role) => t("not-available-title"),
        Some(_) => props.route.title(),
    };
    use_title(title);
    // A reset link works signed in or not (the link is the credential).
    if props.route == Route::ResetPassword {
        return html! { <pages::reset_password::ResetPasswordPage /> };
    }
    // A guest has no account: the link is the credential, as a reset link's.
    if props.route == Route::Guest {
        return html! { <pages::guest::GuestPage /> };
    }
    let Some(current) = session.session.as_ref() else {
        return html! { <pages::login::Login /> };
    };
    let role = current.user.role;
    match &props.route {
        Route::Home | Route::Login => html! { <Redirect<Route> to={Route::home_of(role)} /> },
        route if !route.allowed(role) => html! {
            <section class="page narrow">
                <h1>{ t("not-available-title") }</h1>
                <p>{ t_args("not-available-text", &[("role", arg(role.label()))]) }</p>
                <Link<Route> to={Route::home_of(role)} classes="button">{ t("go-home") }</Link<Route>>
            </section>
        },
        Route::Request => html! { <pages::requester::RequestPage /> },
        Route::MyCall { id } => html! { <pages::requester_call::MyCallPage id={id.clone()} /> },
        Route::Console => html! { <pages::console::ConsolePage /> },
        Route::Floor => html! { <pages::floor::FloorPage /> },
        Route::FloorAt => html! { <pages::floor_at::FloorAtPage /> },
        Route::Calls => html! { <pages::calls::CallsPage /> },
        Route::Replay { id } => html! { <pages::replay::ReplayPage id={id.clone()} /> },
        Route::Analytics => html! { <pages::analytics::AnalyticsPage /> },
        Route::WhatIf => html! { <pages::what_if::WhatIfPage /> },
        Route::Admin => html! { <pages::admin::AdminPage /> },
        Route::Organisations => html! { <pages::organisations::OrganisationsPage /> },
        Route::Organisation { id } => {
            html! { <pages::organisation::OrganisationPage id={id.clone()} /> }
        }
        Route::Invoices => html! { <pages::invoices::InvoicesPage /> },
        Route::Dispute { id } => html! { <pages::dispute::DisputePage id={id.clone()} /> },
        Route::Account => html! { <pages::account::AccountPage /> },
        Route::ResetPassword => html! { <pages::reset_password::ResetPasswordPage /> },
        Route::Guest => html! { <pages::guest::GuestPage /> },
        Route::NotFound => html! {
            <section class="page narrow">
                <h1>{ t("title-not-found") }</h1>
                <Link<Route> to={Route::home_of(role)} classes="button">{ t("go-home") }</Link<Route>>
            </section>
        },
    }
}

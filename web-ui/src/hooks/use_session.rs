//! The session (token and user) in a context provider, kept in localStorage so a reload
//! keeps the user signed in, and dropped with a message when the token expires.

use std::rc::Rc;

use chrono::{DateTime, Duration, Utc};
use gloo_storage::{LocalStorage, Storage};
use gloo_timers::callback::Timeout;
use serde::{Deserialize, Serialize};
use yew::prelude::*;

use crate::i18n::t;
use crate::services::{Api, ApiError};
use crate::types::{LoginResponse, User};

const STORAGE_KEY: &str = "parley.session";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub user: User,
    pub expires_at: DateTime<Utc>,
}

/// A message for the login page: why the user was signed out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SessionState {
    pub session: Option<Session>,
    pub notice: Option<String>,
}

pub enum SessionAction {
    LoggedIn(LoginResponse),
    LoggedOut,
    /// The token no longer works; the message says why.
    Ended(String),
    /// Signed out (if signed in) with a message for the login page: a password was set
    /// with a reset link, which ends every session of the account.
    SignInAgain(String),
    ClearNotice,
}

impl Reducible for SessionState {
    type Action = SessionAction;

    fn reduce(self: Rc<Self>, action: Self::Action) -> Rc<Self> {
        let next = match action {
            SessionAction::LoggedIn(login) => SessionState {
                session: Some(Session {
                    token: login.access_token,
                    user: login.user,
                    expires_at: Utc::now() + Duration::seconds(login.expires_in.max(1)),
                }),
                notice: None,
            },
            SessionAction::LoggedOut => SessionState {
                session: None,
                notice: Some(t("session-signed-out")),
            },
            SessionAction::Ended(message) => {
                if self.session.is_none() {
                    return self;
                }
                SessionState {
                    session: None,
                    notice: Some(message),
                }
            }
            SessionAction::SignInAgain(message) => SessionState {
                session: None,
                notice: Some(message),
            },
            SessionAction::ClearNotice => {
                if self.notice.is_none() {
                    return self;
                }
                SessionState {
                    session: self.session.clone(),
                    notice: None,
                }
            }
        };
        Rc::new(next)
    }
}

fn restore() -> SessionState {
    match LocalStorage::get::<Session>(STORAGE_KEY) {
        Ok(session) if session.expires_at > Utc::now() + Duration::seconds(5) => SessionState {
            session: Some(session),
            notice: None,
        },
        Ok(_) => {
            LocalStorage::delete(STORAGE_KEY);
            SessionState {
                session: None,
                notice: Some(t("session-expired")),
            }
        }
        Err(_) => SessionState::default(),
    }
}

pub type SessionHandle = UseReducerHandle<SessionState>;

#[derive(Properties, PartialEq)]
pub struct SessionProviderProps {
    pub children: Children,
}

/// Holds the session for everything below it.
#[function_component]
pub fn SessionProvider(props: &SessionProviderProps) -> Html {
    let state = use_reducer(restore);

    // Persist every change; sign out everywhere when the token runs out.
    {
        let session = state.session.clone();
        let dispatcher = state.dispatcher();
        use_effect_with(session, move |session| {
            let mut timer = None;
            match session {
                Some(session) => {
                    let _ = LocalStorage::set(STORAGE_KEY, session);
                    let left_ms = (session.expires_at - Utc::now())
                        .num_milliseconds()
                        .clamp(0, i64::from(i32::MAX));
                    timer = Some(Timeout::new(left_ms as u32, move || {
                        dispatcher.dispatch(SessionAction::Ended(t("session-expired")));
                    }));
                }
                None => LocalStorage::delete(STORAGE_KEY),
            }
            move || drop(timer)
        });
    }

    html! {
        <ContextProvider<SessionHandle> context={state}>
            { props.children.clone() }
        </ContextProvider<SessionHandle>>
    }
}

#[hook]
pub fn use_session() -> SessionHandle {
    use_context::<SessionHandle>().expect("use_session needs a SessionProvider above")
}

/// An API client with the session's token; a token the server refuses ends the session.
#[hook]
pub fn use_api() -> Api {
    let session = use_session();
    let token: Option<Rc<str>> = session.session.as_ref().map(|s| Rc::from(s.token.as_str()));
    let dispatcher = session.dispatcher();
    let on_error = use_callback(dispatcher, |error: ApiError, dispatcher| {
        let message = if error.code() == "token_expired" {
            t("session-expired")
        } else {
            t("session-invalid")
        };
        dispatcher.dispatch(SessionAction::Ended(message));
    });
    Api::new(token, on_error)
}

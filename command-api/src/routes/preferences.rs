//! The signed-in user's own preferences: for now the language of the web UI (issue 25 §3).
//! Kept in `users.locale` beside the rest of the account; `null` means "follow the browser".

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wire::locales::{SUPPORTED_LOCALES, is_supported};

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody, Json};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_preferences, set_my_preferences))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// The web UI's language, one of the supported catalogue ids (`en`, `es`, `ar`, ...);
    /// `null` to follow the browser's languages.
    pub locale: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreferencesAnswer {
    pub locale: Option<String>,
    /// Every language the web UI has a catalogue for.
    pub supported_locales: Vec<&'static str>,
}

fn answer(locale: Option<String>) -> Json<PreferencesAnswer> {
    Json(PreferencesAnswer {
        locale,
        supported_locales: SUPPORTED_LOCALES.to_vec(),
    })
}

fn gone() -> ApiError {
    ApiError::unauthorized(
        "account_gone",
        "this account no longer exists or is deactivated",
    )
}

/// The current user's preferences.
#[utoipa::path(get, path = "/api/me/preferences", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = PreferencesAnswer), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn my_preferences(
    user: AuthUser,
    State(state): State<AppState>,
) -> Result<Json<PreferencesAnswer>, ApiError> {
    let row: Option<Option<String>> =
        sqlx::query_scalar("SELECT locale FROM users WHERE id = $1 AND disabled_at IS NULL")
            .bind(user.id.as_uuid())
            .fetch_optional(&state.pool)
            .await?;
    row.map(answer).ok_or_else(gone)
}

/// Sets the current user's preferences. An unknown language is refused with 422
/// `unsupported_locale`.
#[utoipa::path(put, path = "/api/me/preferences", tag = "auth", security(("bearer" = [])), request_body = Preferences,
    responses((status = 200, body = PreferencesAnswer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_my_preferences(
    user: AuthUser,
    State(state): State<AppState>,
    Json(body): Json<Preferences>,
) -> Result<Json<PreferencesAnswer>, ApiError> {
    if let Some(locale) = body.locale.as_deref()
        && !is_supported(locale)
    {
        return Err(ApiError::unprocessable(
            "unsupported_locale",
            format!(
                "no catalogue for the language {locale:?}; supported: {}",
                SUPPORTED_LOCALES.join(", ")
            ),
        ));
    }
    let updated: Option<Option<String>> = sqlx::query_scalar(
        "UPDATE users SET locale = $2 WHERE id = $1 AND disabled_at IS NULL RETURNING locale",
    )
    .bind(user.id.as_uuid())
    .bind(body.locale.as_deref())
    .fetch_optional(&state.pool)
    .await?;
    tracing::info!(user_id = %user.id, locale = ?body.locale, "preferences changed");
    updated.map(answer).ok_or_else(gone)
}

//! Administration: accounts and roles (`admin_users`), API keys (`admin_keys`), queues
//! (strategy, timers, overflow, widening; `admin_queues`), interpreters' skills
//! (`admin_skills`).
//!
//! The tabs follow the WAI-ARIA tabs pattern: one Tab stop (the selected tab), the arrow
//! keys, Home and End move between tabs and select them, and the panel is labelled by its
//! tab.

use crate::i18n::{t, use_locale};
use yew::prelude::*;

use super::admin_keys::ApiKeysTab;
use super::admin_queues::QueuesTab;
use super::admin_skills::SkillsTab;
use super::admin_users::UsersTab;
use crate::hooks::focus_id;

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Users,
    ApiKeys,
    Queues,
    Skills,
}

impl Tab {
    const ALL: [Tab; 4] = [Tab::Users, Tab::ApiKeys, Tab::Queues, Tab::Skills];

    fn label(self) -> String {
        t(match self {
            Tab::Users => "admin-tab-users",
            Tab::ApiKeys => "admin-tab-keys",
            Tab::Queues => "transfer-queues",
            Tab::Skills => "admin-tab-skills",
        })
    }

    fn slug(self) -> &'static str {
        match self {
            Tab::Users => "users",
            Tab::ApiKeys => "keys",
            Tab::Queues => "queues",
            Tab::Skills => "skills",
        }
    }

    fn tab_id(self) -> String {
        format!("admin-tab-{}", self.slug())
    }

    fn panel_id(self) -> String {
        format!("admin-panel-{}", self.slug())
    }

    /// The tab a key moves to from this one, if the key moves at all.
    fn after_key(self, key: &str) -> Option<Tab> {
        let at = Tab::ALL.iter().position(|t| *t == self)?;
        let last = Tab::ALL.len() - 1;
        let to = match key {
            "ArrowRight" | "ArrowDown" => (at + 1) % Tab::ALL.len(),
            "ArrowLeft" | "ArrowUp" => (at + last) % Tab::ALL.len(),
            "Home" => 0,
            "End" => last,
            _ => return None,
        };
        Some(Tab::ALL[to])
    }
}

#[function_component]
pub fn AdminPage() -> Html {
    use_locale();
    let tab = use_state(|| Tab::Users);
    let tab_button = |value: Tab| {
        let selected = *tab == value;
        let onclick = {
            let tab = tab.clone();
            move |_| tab.set(value)
        };
        let onkeydown = {
            let tab = tab.clone();
            move |e: KeyboardEvent| {
                if let Some(next) = value.after_key(&e.key()) {
                    e.prevent_default();
                    tab.set(next);
                    focus_id(&next.tab_id());
                }
            }
        };
        html! {
            <button type="button" role="tab" id={value.tab_id()}
                // Only the shown panel exists: a reference to a missing one would be broken.
                aria-controls={selected.then(|| value.panel_id())}
                aria-selected={selected.to_string()} tabindex={if selected { "0" } else { "-1" }}
                {onclick} {onkeydown}>{ value.label() }</button>
        }
    };
    html! {
        <section class="page">
            <h1>{ t("title-admin") }</h1>
            <div class="tabs" role="tablist" aria-label={t("title-admin")}>
                { for Tab::ALL.into_iter().map(tab_button) }
            </div>
            <div role="tabpanel" id={tab.panel_id()} aria-labelledby={tab.tab_id()} tabindex="0">
                { match *tab {
                    Tab::Users => html! { <UsersTab /> },
                    Tab::ApiKeys => html! { <ApiKeysTab /> },
                    Tab::Queues => html! { <QueuesTab /> },
                    Tab::Skills => html! { <SkillsTab /> },
                } }
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::Tab;

    #[test]
    fn arrow_keys_wrap_around_and_home_end_jump() {
        assert!(Tab::Users.after_key("ArrowLeft") == Some(Tab::Skills));
        assert!(Tab::Skills.after_key("ArrowRight") == Some(Tab::Users));
        assert!(Tab::ApiKeys.after_key("End") == Some(Tab::Skills));
        assert!(Tab::Queues.after_key("Home") == Some(Tab::Users));
        assert!(Tab::Queues.after_key("a").is_none());
    }
}

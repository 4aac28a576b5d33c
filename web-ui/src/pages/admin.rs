//! Administration: accounts and roles (`admin_users`), API keys (`admin_keys`), queues
//! (strategy, timers, overflow, widening; `admin_queues`), interpreters' skills
//! (`admin_skills`).

use yew::prelude::*;

use super::admin_keys::ApiKeysTab;
use super::admin_queues::QueuesTab;
use super::admin_skills::SkillsTab;
use super::admin_users::UsersTab;

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Users,
    ApiKeys,
    Queues,
    Skills,
}

#[function_component]
pub fn AdminPage() -> Html {
    let tab = use_state(|| Tab::Users);
    let tab_button = |value: Tab, label: &'static str| {
        let tab = tab.clone();
        let selected = *tab == value;
        html! {
            <button type="button" role="tab" aria-selected={selected.to_string()} onclick={move |_| tab.set(value)}>{ label }</button>
        }
    };
    html! {
        <section class="page">
            <h1>{ "Administration" }</h1>
            <div class="tabs" role="tablist" aria-label="Administration">
                { tab_button(Tab::Users, "Users and roles") }
                { tab_button(Tab::ApiKeys, "API keys") }
                { tab_button(Tab::Queues, "Queues") }
                { tab_button(Tab::Skills, "Interpreter skills") }
            </div>
            <div role="tabpanel">
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

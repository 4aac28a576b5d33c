//! The organisations by id, loaded once a page (admin, supervisor and analyst may list
//! them; anyone else gets an empty map): to name the organisation a call comes from.

use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::use_api;
use crate::services::organisations;

#[hook]
pub fn use_organisation_names() -> Rc<HashMap<String, String>> {
    let api = use_api();
    let names = use_state(|| Rc::new(HashMap::new()));
    {
        let names = names.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(list) = organisations::list(&api).await {
                    names.set(Rc::new(list.into_iter().map(|o| (o.id, o.name)).collect()));
                }
            });
        });
    }
    (*names).clone()
}

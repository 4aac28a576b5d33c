//! Billing (issue 19): a month's invoice of an organisation and one call's bill, in the
//! wire types the server answers with (`wire::billing`).

use wire::billing::{CallBill, Invoice};

use super::http::{query, Api, ApiError};

pub async fn invoice(api: &Api, organisation_id: &str, month: &str) -> Result<Invoice, ApiError> {
    let params = query(&[
        ("organisation_id", Some(organisation_id.to_owned())),
        ("month", Some(month.to_owned())),
    ]);
    api.get(&format!("/api/invoices{params}")).await
}

pub async fn call_bill(api: &Api, call_id: &str) -> Result<CallBill, ApiError> {
    api.get(&format!("/api/billing/calls/{call_id}")).await
}

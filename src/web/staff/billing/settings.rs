//! Billing settings: the agreement template (with its placeholders), the bank-transfer
//! instructions and the foundation's postal address printed on invoices.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::db::write_tx;
use crate::domain::form::Fields;
use crate::domain::{FormErrors, Role, text};
use crate::error::AppResult;
use crate::models::app_settings;
use crate::services::agreements::{self, PLACEHOLDERS, TEMPLATE_KEY, Values};
use crate::services::audit;
use crate::services::billing::{self, BANK_INSTRUCTIONS_KEY, FOUNDATION_ADDRESS_KEY};
use crate::web::extract::RoleRule;
use crate::web::extract::Staff;
use crate::web::layout::{FlashKind, Layout};
use crate::web::{redirect_with_flash, render, render_status};

/// Who may change billing settings: the treasurer, sponsorship staff and administrators.
pub struct BillingSettingsStaff;
impl RoleRule for BillingSettingsStaff {
    fn allows(roles: &[Role]) -> bool {
        [Role::Treasurer, Role::Sponsorships, Role::Admin]
            .iter()
            .any(|r| roles.contains(r))
    }
}

type S = Staff<BillingSettingsStaff>;

#[derive(Clone, Debug, Default)]
pub struct SettingsInput {
    pub template: String,
    pub bank: String,
    pub address: String,
    pub tax_id: String,
}

#[derive(Template)]
#[template(path = "staff/billing/settings.html")]
struct Page {
    layout: Layout,
    f: SettingsInput,
    errors: FormErrors,
    placeholders: Vec<(String, &'static str)>,
    /// The template filled in with example values, when it is valid.
    preview: String,
}

/// A template filled in with example values, or nothing while it is invalid.
pub(super) fn example(template: &str, foundation: &str) -> String {
    if agreements::check_template(template).is_err() {
        return String::new();
    }
    agreements::render(
        template,
        &Values {
            sponsor: "Example Corp".into(),
            tier: "Gold".into(),
            benefits: vec!["4 × conference passes".into(), "Logo on the website".into()],
            fee: "$10,000.00".into(),
            start: "1 January 2027".into(),
            end: "31 December 2027".into(),
            foundation: foundation.to_string(),
        },
    )
}

/// The placeholders as staff write them ("{{sponsor}}"), with what each becomes.
pub(super) fn placeholders() -> Vec<(String, &'static str)> {
    PLACEHOLDERS
        .iter()
        .map(|(p, what)| (format!("{{{{{p}}}}}"), *what))
        .collect()
}

/// A template as staff typed it, checked: line ends normalised, placeholders known, nothing
/// that cannot be shown.
pub(super) fn check_typed_template(typed: &str) -> Result<String, String> {
    let template = typed.replace("\r\n", "\n");
    agreements::check_template(&template)?;
    if template
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err("The template contains characters that cannot be shown.".into());
    }
    Ok(template)
}

fn page(staff: &S, f: SettingsInput, errors: FormErrors) -> Page {
    let preview = example(&f.template, &staff.state.settings.foundation_name);
    Page {
        layout: staff.layout("Billing settings", "/staff/invoices"),
        f,
        errors,
        placeholders: placeholders(),
        preview,
    }
}

/// `GET /staff/settings/billing`.
pub async fn show(staff: S) -> AppResult<HttpResponse> {
    let f = staff
        .state
        .db
        .run(|c| {
            Ok(SettingsInput {
                template: agreements::template(c)?,
                bank: billing::bank_instructions(c)?,
                address: app_settings::get(c, FOUNDATION_ADDRESS_KEY)?.unwrap_or_default(),
                tax_id: app_settings::get(c, billing::FOUNDATION_TAX_ID_KEY)?.unwrap_or_default(),
            })
        })
        .await?;
    render(&page(&staff, f, FormErrors::new()))
}

/// `POST /staff/settings/billing`: all four saved together, or none when one is invalid.
pub async fn save(staff: S, form: web::Form<Vec<(String, String)>>) -> AppResult<HttpResponse> {
    let fields = Fields(form.into_inner());
    let f = SettingsInput {
        template: fields.get("template"),
        bank: fields.get("bank"),
        address: fields.get("address"),
        tax_id: fields.get("tax_id"),
    };
    let mut errors = FormErrors::new();
    let template = check_typed_template(&f.template)
        .map_err(|m| errors.add("template", m))
        .unwrap_or_default();
    let bank = text::optional_multi_line(&f.bank, "the bank-transfer instructions", 2000)
        .map_err(|m| errors.add("bank", m))
        .ok();
    let address = text::optional_multi_line(&f.address, "the postal address", 1000)
        .map_err(|m| errors.add("address", m))
        .ok();
    let tax_id = text::optional_single_line(&f.tax_id, "the tax ID", 100)
        .map_err(|m| errors.add("tax_id", m))
        .ok();
    let (Some(bank), Some(address), Some(tax_id), true) =
        (bank, address, tax_id, errors.is_empty())
    else {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&staff, f, errors));
    };
    let actor = staff.actor();
    staff
        .state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                let mut changed = Vec::new();
                for (key, value, what) in [
                    (TEMPLATE_KEY, &template, "agreement template"),
                    (BANK_INSTRUCTIONS_KEY, &bank, "bank-transfer instructions"),
                    (FOUNDATION_ADDRESS_KEY, &address, "postal address"),
                    (billing::FOUNDATION_TAX_ID_KEY, &tax_id, "tax ID"),
                ] {
                    if app_settings::get(c, key)?.as_deref() != Some(value.as_str()) {
                        app_settings::set(c, key, value)?;
                        changed.push(what);
                    }
                }
                if !changed.is_empty() {
                    audit::record(
                        c,
                        &actor,
                        "settings.billing",
                        None,
                        &format!("changed: {}", changed.join(", ")),
                    )?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(redirect_with_flash(
        "/staff/settings/billing",
        FlashKind::Success,
        "Billing settings saved. Agreements sent from now on use this template.",
    ))
}

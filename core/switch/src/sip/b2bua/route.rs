//! Running the dialplan for the A leg: the hunt, then the actions in
//! order: `set`, `export`, `unset`, `log`, `limit`, `transfer`,
//! `execute_extension`, `respond`, `hangup` and `bridge`. A `bridge` that fails resumes the actions after
//! it when `continue_on_fail` says so.

use super::limit::{self, OverLimit};
use super::{B2bua, reason_phrase};
use crate::channel::cause::HangupCause;
use crate::dialplan::is_true;
use crate::dialplan::{self, HuntRequest};
use std::sync::Arc;
use switchyard_sip::transaction::TransactionLayer;

/// Most transfers one call may go through (a routing-loop guard).
const MAX_TRANSFERS: u32 = 16;

/// Most actions one plan may grow to through `execute_extension` (a loop
/// guard).
const MAX_PLAN_ACTIONS: usize = 1000;

impl B2bua {
    /// Hunts `destination` in `context` and runs the actions found.
    pub(super) fn route(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        destination: &str,
        context: &str,
    ) {
        let Some(actions) = self.hunt_actions(call_id, destination, context) else {
            tracing::info!("no route for {destination} in context {context}");
            self.fail_call(layer, call_id, HangupCause::NoRouteDestination, None);
            return;
        };
        if let Some(call) = self.calls.get_mut(&call_id) {
            call.plan.actions = actions;
            call.plan.next = 0;
            call.plan.context = context.to_owned();
        }
        self.run_actions(layer, call_id);
    }

    /// Hunts `destination` in `context` for the call's A leg, applies the
    /// hunt's inline variables and returns the actions (`None`: nothing
    /// matched).
    fn hunt_actions(
        &mut self,
        call_id: u64,
        destination: &str,
        context: &str,
    ) -> Option<Vec<(String, String)>> {
        let call = self.calls.get(&call_id)?;
        let channel = Arc::clone(&call.a.channel);
        let mut profile = dialplan::CallerProfile::new(destination, context);
        channel.with(|c| {
            let p = c.profile();
            profile.username = p.username.clone();
            profile.caller_id_name = p.caller_id_name.clone();
            profile.caller_id_number = p.caller_id_number.clone();
            profile.ani = p.ani.clone();
            profile.network_addr = p.network_addr.clone();
        });
        profile.uuid = channel.id().as_str().to_owned();
        let hunt = {
            // The channel is read in place: no copy of its variables.
            let variables = crate::channel_expand::ChannelVariables::new(&self.switch, &channel);
            self.switch.dialplan().hunt(HuntRequest::new(
                &profile,
                &variables,
                self.switch.dialplan_now(),
                "UTC",
            ))
        };
        let hunt = hunt.ok().filter(|h| !h.is_empty())?;
        for (name, value) in &hunt.variables {
            match value {
                Some(value) => channel.set_variable(name.clone(), value.clone()),
                None => {
                    channel.unset_variable(name);
                }
            }
        }
        Some(
            hunt.actions
                .into_iter()
                .map(|a| (a.application, a.data))
                .collect(),
        )
    }

    /// `execute_extension <extension> [<context>]`: runs that extension's
    /// actions here, then goes on with the current plan.
    fn execute_extension(&mut self, call_id: u64, data: &str) {
        let mut words = data.split_whitespace();
        let Some(extension) = words.next() else {
            tracing::warn!("execute_extension needs '<extension> [<context>]'; skipped");
            return;
        };
        let Some(current) = self.calls.get(&call_id).map(|c| c.plan.context.clone()) else {
            return;
        };
        let context = words.next().map_or(current, str::to_owned);
        match self.hunt_actions(call_id, extension, &context) {
            Some(actions) => {
                if let Some(call) = self.calls.get_mut(&call_id) {
                    if call.plan.actions.len() + actions.len() > MAX_PLAN_ACTIONS {
                        tracing::warn!(
                            "execute_extension {extension}: the plan would exceed {MAX_PLAN_ACTIONS} actions (a loop?); skipped"
                        );
                        return;
                    }
                    let at = call.plan.next;
                    call.plan.actions.splice(at..at, actions);
                }
            }
            None => tracing::info!(
                "execute_extension: no extension {extension} in context {context}; going on"
            ),
        }
    }

    /// Runs the dialplan actions from where the call stands, up to the
    /// first that hands the call on (`bridge`, `transfer`) or ends it.
    pub(super) fn run_actions(&mut self, layer: &mut TransactionLayer, call_id: u64) {
        loop {
            let Some(call) = self.calls.get_mut(&call_id) else {
                return;
            };
            if call.a.finished {
                return;
            }
            let Some((application, data)) = call.plan.actions.get(call.plan.next).cloned() else {
                break;
            };
            call.plan.next += 1;
            let channel = Arc::clone(&call.a.channel);
            let data =
                crate::channel_expand::ChannelVariables::new(&self.switch, &channel).expand(&data);
            channel.set_application(Some((&application, &data)));
            match application.as_str() {
                "export" => {
                    if let Err(e) = crate::session::dialplan_apps::export(&channel, &data) {
                        tracing::warn!("export: {e}; skipped");
                    }
                }
                "set" => {
                    if let Some((name, value)) = data.split_once('=') {
                        channel.set_variable(name.trim(), value.trim());
                    } else {
                        tracing::warn!("{application}: '{data}' is not name=value; skipped");
                    }
                }
                "unset" => {
                    channel.unset_variable(data.trim());
                }
                "log" => crate::logging::log_application(&data),
                "hangup" => {
                    let cause = HangupCause::parse(&data).unwrap_or(HangupCause::NormalClearing);
                    self.fail_call(layer, call_id, cause, None);
                    return;
                }
                "respond" => {
                    let (code, reason) = data.trim().split_once(' ').unwrap_or((data.trim(), ""));
                    let code = code
                        .parse::<u16>()
                        .ok()
                        .filter(|c| (300..700).contains(c))
                        .unwrap_or(500);
                    let reason = if reason.trim().is_empty() {
                        reason_phrase(code).to_owned()
                    } else {
                        reason.trim().to_owned()
                    };
                    let cause = HangupCause::from_sip_status(code);
                    self.fail_call(layer, call_id, cause, Some((code, reason)));
                    return;
                }
                "bridge" => {
                    self.bridge(layer, call_id, &data);
                    return;
                }
                "transfer" => {
                    self.transfer(layer, call_id, &data);
                    return;
                }
                "execute_extension" => self.execute_extension(call_id, &data),
                "limit" => {
                    if !self.limit(layer, call_id, &data) {
                        return;
                    }
                }
                other if crate::session::is_session_app(&self.switch, other) => {
                    if !self.run_in_session(call_id, other, &data) {
                        self.fail_call(layer, call_id, HangupCause::NormalTemporaryFailure, None);
                    }
                    // The session thread says when it is done.
                    return;
                }
                other => tracing::warn!(
                    "dialplan application '{other}' is not available in this switch; skipped"
                ),
            }
        }
        // The dialplan ran out without bridging or ending the call.
        self.plan_finished(layer, call_id);
    }

    /// `transfer <destination> [XML [<context>]]`: routes the call again.
    fn transfer(&mut self, layer: &mut TransactionLayer, call_id: u64, data: &str) {
        let words: Vec<&str> = data.split_whitespace().collect();
        let (destination, context) = match words.as_slice() {
            [destination] => (*destination, None),
            [destination, dialplan] | [destination, dialplan, _]
                if !dialplan.eq_ignore_ascii_case("XML") =>
            {
                tracing::warn!("transfer to {destination}: dialplan '{dialplan}' is not available");
                self.fail_call(layer, call_id, HangupCause::NoRouteDestination, None);
                return;
            }
            [destination, _] => (*destination, None),
            [destination, _, context] => (*destination, Some((*context).to_owned())),
            _ => {
                tracing::warn!("transfer needs '<destination> [XML [<context>]]', got '{data}'");
                self.fail_call(layer, call_id, HangupCause::NoRouteDestination, None);
                return;
            }
        };
        self.transfer_to(layer, call_id, destination, context);
    }

    /// Routes the call again to `destination` in `context` (default: the
    /// current one). The call's `limit` slots are given back unless
    /// `limit_ignore_transfer=true`.
    pub(super) fn transfer_to(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        destination: &str,
        context: Option<String>,
    ) {
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        call.plan.transfers += 1;
        if call.plan.transfers > MAX_TRANSFERS {
            tracing::warn!("call transferred more than {MAX_TRANSFERS} times: a dialplan loop");
            self.fail_call(layer, call_id, HangupCause::ExchangeRoutingError, None);
            return;
        }
        let context = context.unwrap_or_else(|| call.plan.context.clone());
        if let Err(why) = self.context_of_own_tenant(call_id, &context) {
            tracing::warn!("transfer to {destination}: {why}");
            self.fail_call(layer, call_id, HangupCause::NoRouteDestination, None);
            return;
        }
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        let keep = call
            .a
            .channel
            .variable("limit_ignore_transfer")
            .is_some_and(|v| is_true(&v));
        if !keep {
            for key in std::mem::take(&mut call.limits) {
                self.limits.release(&key);
            }
        }
        tracing::info!(
            "transfer {} to {destination} in context {context}",
            call.a.channel.id().as_str()
        );
        call.a.channel.set_destination(destination, &context);
        self.route(layer, call_id, destination, &context);
    }

    /// Whether the call may be routed in `context`: a call stays in its
    /// tenant, so a context named after another tenant is refused.
    ///
    /// # Errors
    /// Why the context is refused.
    pub(super) fn context_of_own_tenant(&self, call_id: u64, context: &str) -> Result<(), String> {
        let Some(call) = self.calls.get(&call_id) else {
            return Ok(());
        };
        let tenant = call.a.channel.tenant();
        if context.eq_ignore_ascii_case(tenant) {
            return Ok(());
        }
        match crate::directory::is_tenant(&self.switch.store, context) {
            Ok(true) => Err(format!(
                "context {context} belongs to another tenant than {tenant}"
            )),
            _ => Ok(()),
        }
    }

    /// `limit`: takes a slot, or applies the over-limit action. True when
    /// the dialplan goes on.
    fn limit(&mut self, layer: &mut TransactionLayer, call_id: u64, data: &str) -> bool {
        let request = match limit::parse(data) {
            Ok(request) => request,
            Err(e) => {
                tracing::warn!("{e}; skipped");
                return true;
            }
        };
        let Some(call) = self.calls.get_mut(&call_id) else {
            return false;
        };
        let key = (
            call.a.channel.tenant().to_owned(),
            request.realm.clone(),
            request.resource.clone(),
        );
        let channel = Arc::clone(&call.a.channel);
        channel.set_variable("limit_realm", request.realm.clone());
        channel.set_variable("limit_id", request.resource.clone());
        channel.set_variable(
            "limit_max",
            request.max.map_or("-1".to_owned(), |m| m.to_string()),
        );
        match self.limits.acquire(&key, request.max) {
            Some(usage) => {
                call.limits.push(key);
                channel.set_variable("limit_usage", usage.to_string());
                true
            }
            None => {
                tracing::info!(
                    "limit {}/{} in {} reached ({} calls)",
                    request.realm,
                    request.resource,
                    key.0,
                    self.limits.usage(&key)
                );
                match request.over {
                    OverLimit::Hangup(cause) => self.fail_call(layer, call_id, cause, None),
                    OverLimit::Transfer {
                        destination,
                        context,
                    } => self.transfer_to(layer, call_id, &destination, context),
                }
                false
            }
        }
    }

    /// After every endpoint of a `bridge` failed: the dialplan goes on
    /// when `continue_on_fail` is `true` or names the cause (by name or
    /// Q.850 number, comma-separated), else the caller gets the failure.
    pub(super) fn bridge_failed(
        &mut self,
        layer: &mut TransactionLayer,
        call_id: u64,
        cause: HangupCause,
        answer: (u16, String),
    ) {
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        call.dialing = None;
        call.no_answer_at = None;
        let channel = Arc::clone(&call.a.channel);
        channel.set_variable("originate_disposition", cause.name());
        channel.set_variable("last_bridge_hangup_cause", cause.name());
        channel.set_variable("last_bridge_sip_status", answer.0.to_string());
        if let Some(reply) = call.bridge_reply.take() {
            // A session thread asked: it decides what comes next.
            let _ = reply.send(Err(cause));
            return;
        }
        let resume = channel
            .variable("continue_on_fail")
            .is_some_and(|setting| continues_on(&setting, cause));
        if resume && !call.a.finished {
            tracing::info!(
                "bridge failed with {cause}; continue_on_fail goes on with the dialplan"
            );
            self.run_actions(layer, call_id);
        } else {
            self.fail_call(layer, call_id, cause, Some(answer));
        }
    }
}

/// Whether a `continue_on_fail` setting covers `cause`.
fn continues_on(setting: &str, cause: HangupCause) -> bool {
    if is_true(setting) {
        return true;
    }
    setting
        .split(',')
        .map(str::trim)
        .filter_map(HangupCause::parse)
        .any(|c| c == cause)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_on_fail_takes_true_names_and_numbers() {
        assert!(continues_on("true", HangupCause::UserBusy));
        assert!(!continues_on("false", HangupCause::UserBusy));
        assert!(continues_on("NO_ANSWER,USER_BUSY", HangupCause::UserBusy));
        assert!(continues_on("19, 17", HangupCause::UserBusy));
        assert!(!continues_on("NO_ANSWER", HangupCause::UserBusy));
        assert!(!continues_on("", HangupCause::UserBusy));
    }
}

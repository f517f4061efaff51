//! PLACEHOLDER until call control offers it: [`Session::transfer`], which
//! `play_and_get_digits` uses for `transfer_on_failure`. It only logs and
//! reports that nothing was done; replace this file with the real method
//! (same signature) on `Session`.

use super::Session;

impl Session {
    /// Transfers the call to `destination` in `dialplan` (`XML` when
    /// `None`) and `context` (the current one when `None`), as the
    /// dialplan's `transfer` does; true when the SIP thread took it.
    ///
    /// Not wired yet: always logs a warning and returns false.
    pub fn transfer(
        &mut self,
        destination: &str,
        dialplan: Option<&str>,
        context: Option<&str>,
    ) -> bool {
        tracing::warn!(
            "transfer of {} to {destination} {} {} is not available from a session thread yet",
            self.uuid(),
            dialplan.unwrap_or("XML"),
            context.unwrap_or("(current context)")
        );
        false
    }
}

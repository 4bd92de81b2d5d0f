//! Pure domain types and rules: no I/O, no diesel, no actix.

pub mod case_state;
pub mod credit_code;
pub mod deadline;
pub mod errors;
pub mod receipt;
pub mod role;
pub mod tip;
pub mod tip_status;
pub mod totp;
pub mod working_days;

/// Whether a credit code given with a tip is well formed: 18 characters of the
/// GB 32100-2015 set. The full check-character parse lives in `credit_code`.
pub fn credit_code_check(code: &str) -> Result<(), (&'static str, &'static str)> {
    const SET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    if code.chars().count() != 18 || !code.chars().all(|c| SET.contains(c)) {
        return Err((
            "统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z）",
            "a credit code is 18 digits or capital letters, without I, O, S, V or Z",
        ));
    }
    Ok(())
}

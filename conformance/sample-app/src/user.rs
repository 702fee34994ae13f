//! Sample application, module `user`: sign-in and the signed-in user's profile, in memory.

use std::{collections::BTreeMap, sync::Mutex};

use eventwire::{Context, FlowyError, sync::lock};

use crate::pb::{SampleErrorCode, SignInPayloadPb, UpdateUserProfilePayloadPb, UserProfilePb};

use crate::{field_error, handlers::user::UserHandlers, notifications};

/// The users who signed in, and which one is current.
#[derive(Default)]
pub struct Users {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Profiles by id. Signing in again with a known email keeps the user's id.
    users: BTreeMap<i64, UserProfilePb>,
    current: Option<i64>,
}

impl UserHandlers for Users {
    async fn sign_in(
        &self,
        cx: &Context,
        input: SignInPayloadPb,
    ) -> Result<UserProfilePb, FlowyError> {
        check_email(&input.email)?;
        if input.password.is_empty() {
            return Err(field_error(
                SampleErrorCode::PasswordIsEmpty,
                "password",
                "must not be empty",
            ));
        }
        let profile = {
            let mut state = lock(&self.state);
            let known = state
                .users
                .values()
                .find(|u| u.email == input.email)
                .map(|u| u.id);
            let id =
                known.unwrap_or_else(|| state.users.keys().next_back().map_or(1, |last| last + 1));
            let profile = state.users.entry(id).or_insert_with(|| UserProfilePb {
                id,
                email: input.email.clone(),
                name: String::new(),
                token: token(id, &input.email),
            });
            profile.name = input.name;
            let profile = profile.clone();
            state.current = Some(id);
            profile
        };
        cx.notify::<notifications::UserSignedIn>(profile.id.to_string(), &profile);
        Ok(profile)
    }

    async fn get_user_profile(&self, _cx: &Context) -> Result<UserProfilePb, FlowyError> {
        let state = lock(&self.state);
        current(&state).cloned()
    }

    async fn update_user_profile(
        &self,
        cx: &Context,
        input: UpdateUserProfilePayloadPb,
    ) -> Result<UserProfilePb, FlowyError> {
        if let Some(email) = &input.email {
            check_email(email)?;
        }
        let profile = {
            let mut state = lock(&self.state);
            let id = current(&state)?.id;
            let profile = state.users.get_mut(&id).expect("the current user exists");
            if let Some(email) = input.email {
                // The token is derived from the id and the email, so it follows the email.
                profile.token = token(id, &email);
                profile.email = email;
            }
            if let Some(name) = input.name {
                profile.name = name;
            }
            profile.clone()
        };
        cx.notify::<notifications::ProfileUpdated>(profile.id.to_string(), &profile);
        Ok(profile)
    }

    async fn sign_out(&self, _cx: &Context) -> Result<(), FlowyError> {
        let mut state = lock(&self.state);
        current(&state)?;
        state.current = None;
        Ok(())
    }
}

fn current(state: &State) -> Result<&UserProfilePb, FlowyError> {
    state
        .current
        .and_then(|id| state.users.get(&id))
        .ok_or_else(|| {
            FlowyError::new(
                SampleErrorCode::UserNotSignedIn,
                "user: nobody is signed in",
            )
        })
}

/// `local@domain`: a non-empty local part, one `@`, a domain containing a `.` that is neither
/// its first nor its last character, and no whitespace anywhere.
fn check_email(email: &str) -> Result<(), FlowyError> {
    let valid = !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(())
    } else {
        Err(field_error(
            SampleErrorCode::EmailFormatInvalid,
            "email",
            "must look like local@domain",
        ))
    }
}

/// The session token: FNV-1a (64 bit) of `"<id>:<email>"`, as 16 lowercase hex digits.
pub fn token(id: i64, email: &str) -> String {
    format!("{:016x}", fnv1a64(format!("{id}:{email}").as_bytes()))
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_published_test_vectors() {
        // From the FNV reference test suite (draft-eastlake-fnv, section 8).
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn email_rule() {
        for ok in ["a@b.c", "first.last@example.org", "x@sub.domain.io"] {
            assert!(check_email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "@b.c", "a@", "a@bc", "a@.bc", "a@bc.", "a b@c.d", "a@b.c ", "a@b@c.d", "abc",
        ] {
            assert_eq!(
                check_email(bad).unwrap_err().code,
                SampleErrorCode::EmailFormatInvalid as i32,
                "{bad:?}"
            );
        }
    }
}

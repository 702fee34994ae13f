//! The `conformance` module: events whose behaviour the protocol fixes exactly, so every backend
//! can be tested the same way (SPEC.md, "The conformance module").

use std::time::Duration;

use eventwire::{Context, ErrorCode, FlowyError};

use crate::{
    ConformanceHandlers, notifications,
    pb::{
        AllTypesPb, EmitNotificationsPayloadPb, EmitNotificationsResultPb, NestResultPb, NestedPb,
        PanicPayloadPb, PongPb, RaiseErrorPayloadPb, RecursivePb, SleepPayloadPb, SleepResultPb,
        TickPb,
    },
};

/// An error whose message names the field first, as the protocol asks: `field: problem`.
fn field_error(code: ErrorCode, field: &str, problem: impl std::fmt::Display) -> FlowyError {
    FlowyError::new(code, format!("{field}: {problem}"))
}

/// The most notifications one EmitNotifications request may ask for.
pub const MAX_EMIT: u32 = 1000;

/// Stateless.
#[derive(Debug, Default, Clone, Copy)]
pub struct Conformance;

impl ConformanceHandlers for Conformance {
    async fn echo(&self, _cx: &Context, input: AllTypesPb) -> Result<AllTypesPb, FlowyError> {
        // Decoded by prost (unknown fields dropped) and re-encoded canonically by the dispatcher.
        Ok(input)
    }

    async fn raise_error(
        &self,
        cx: &Context,
        input: RaiseErrorPayloadPb,
    ) -> Result<(), FlowyError> {
        // Any code a schema of this backend declares: the protocol's or an application's.
        let category = cx.error_category(input.code).ok_or_else(|| {
            field_error(
                ErrorCode::InvalidParams,
                "code",
                format!("unknown error code {}", input.code),
            )
        })?;
        Err(FlowyError {
            code: input.code,
            msg: input.msg,
            payload: input.payload,
            category: category as i32,
        })
    }

    async fn panic(&self, _cx: &Context, input: PanicPayloadPb) -> Result<(), FlowyError> {
        panic!("{}", input.message)
    }

    async fn sleep(
        &self,
        _cx: &Context,
        input: SleepPayloadPb,
    ) -> Result<SleepResultPb, FlowyError> {
        tokio::time::sleep(Duration::from_millis(u64::from(input.millis))).await;
        Ok(SleepResultPb {
            slept_millis: input.millis,
        })
    }

    async fn emit_notifications(
        &self,
        cx: &Context,
        input: EmitNotificationsPayloadPb,
    ) -> Result<EmitNotificationsResultPb, FlowyError> {
        if input.count > MAX_EMIT {
            return Err(field_error(
                ErrorCode::InvalidParams,
                "count",
                format!("must be at most {MAX_EMIT}"),
            ));
        }
        for index in 0..input.count {
            if input.as_error {
                let error = FlowyError::new(ErrorCode::Internal, format!("tick {index}"));
                cx.notify_error::<notifications::Tick>(input.id.clone(), &error);
            } else {
                cx.notify::<notifications::Tick>(
                    input.id.clone(),
                    &TickPb {
                        index,
                        id: input.id.clone(),
                    },
                );
            }
        }
        Ok(EmitNotificationsResultPb {
            emitted: input.count,
        })
    }

    async fn ping(&self, _cx: &Context) -> Result<PongPb, FlowyError> {
        Ok(PongPb {
            message: "pong".to_owned(),
        })
    }

    async fn discard(&self, _cx: &Context, _input: NestedPb) -> Result<(), FlowyError> {
        Ok(())
    }

    async fn nest(&self, _cx: &Context, input: RecursivePb) -> Result<NestResultPb, FlowyError> {
        let mut depth = 1;
        let mut level = &input;
        while let Some(child) = &level.child {
            depth += 1;
            level = child;
        }
        Ok(NestResultPb { depth })
    }
}

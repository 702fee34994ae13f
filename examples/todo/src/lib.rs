//! A to-do list on Eventwire: the example of `docs/your-app.md`.
//!
//! Its schema (`proto/todo/v1/todo.proto`, `events/todo.yaml`) is compiled by `eventwire-build` in
//! `build.rs`; this file includes the generated code and implements the generated handler trait
//! with in-memory state.

mod api {
    eventwire::include_generated!();
}

use std::{collections::BTreeMap, sync::Mutex};

use eventwire::{Context, DispatcherBuilder, FlowyError};

/// The application's messages and its error codes.
pub use api::todo::v1 as pb;
pub use api::{SCHEMA, events, handlers, notifications};

use pb::{CreateTodoPayloadPb, TodoErrorCode, TodoIdPb, TodoListPb, TodoPb, UpdateTodoPayloadPb};

/// The longest title, in characters.
pub const MAX_TITLE: usize = 200;

/// The to-do list, in memory.
#[derive(Debug, Default)]
pub struct Todos {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    next_id: i64,
    items: BTreeMap<i64, TodoPb>,
}

impl Todos {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn check_title(title: &str) -> Result<String, FlowyError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(FlowyError::new(
            TodoErrorCode::TitleEmpty,
            "title: must not be empty",
        ));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(FlowyError::new(
            TodoErrorCode::TitleTooLong,
            format!("title: longer than {MAX_TITLE} characters"),
        ));
    }
    Ok(title.to_owned())
}

fn not_found(id: i64) -> FlowyError {
    FlowyError::new(TodoErrorCode::TodoNotFound, format!("id: no to-do {id}"))
}

impl handlers::todo::TodoHandlers for Todos {
    async fn create_todo(
        &self,
        cx: &Context,
        input: CreateTodoPayloadPb,
    ) -> Result<TodoPb, FlowyError> {
        let title = check_title(&input.title)?;
        let todo = {
            let mut state = self.state();
            state.next_id += 1;
            let todo = TodoPb {
                id: state.next_id,
                title,
                done: false,
            };
            state.items.insert(todo.id, todo.clone());
            todo
        };
        cx.notify::<notifications::TodoChanged>(todo.id.to_string(), &todo);
        Ok(todo)
    }

    async fn get_todo(&self, _cx: &Context, input: TodoIdPb) -> Result<TodoPb, FlowyError> {
        self.state()
            .items
            .get(&input.id)
            .cloned()
            .ok_or_else(|| not_found(input.id))
    }

    async fn list_todos(&self, _cx: &Context) -> Result<TodoListPb, FlowyError> {
        Ok(TodoListPb {
            items: self.state().items.values().cloned().collect(),
        })
    }

    async fn update_todo(
        &self,
        cx: &Context,
        input: UpdateTodoPayloadPb,
    ) -> Result<TodoPb, FlowyError> {
        let title = input.title.as_deref().map(check_title).transpose()?;
        let todo = {
            let mut state = self.state();
            let todo = state
                .items
                .get_mut(&input.id)
                .ok_or_else(|| not_found(input.id))?;
            if let Some(title) = title {
                todo.title = title;
            }
            if let Some(done) = input.done {
                todo.done = done;
            }
            todo.clone()
        };
        cx.notify::<notifications::TodoChanged>(todo.id.to_string(), &todo);
        Ok(todo)
    }

    async fn delete_todo(&self, cx: &Context, input: TodoIdPb) -> Result<(), FlowyError> {
        self.state()
            .items
            .remove(&input.id)
            .ok_or_else(|| not_found(input.id))?;
        cx.notify::<notifications::TodoDeleted>(input.id.to_string(), &input);
        Ok(())
    }
}

/// The to-do module with an empty list, and the conformance module (so the conformance suite's
/// backend role can test this backend), mounted on `builder`.
pub fn mount(builder: DispatcherBuilder) -> DispatcherBuilder {
    builder
        .mount(handlers::todo::Module(Todos::default()))
        .mount(eventwire_conformance_module::module())
}

// The C ABI (`libtodo_app.so`, `libtodo_app.a`) serves this app's dispatcher.
eventwire_ffi::backend!(mount);

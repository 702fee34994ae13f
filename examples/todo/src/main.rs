//! `todo-host --stdio`: the to-do backend as a process, speaking Eventwire's stream transport on
//! standard input and output, with every flag of `eventwire-host`.

fn main() -> std::process::ExitCode {
    eventwire_host::run("todo-host", todo_app::mount)
}

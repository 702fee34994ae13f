fn main() {
    // The self-test module's schema (the to-do module's comes with the todo-app crate).
    if let Err(e) = eventwire_build::configure()
        .include("proto")
        .tables("events")
        .compile()
    {
        eprintln!("{e}");
        std::process::exit(1);
    }
    tauri_build::build();
}

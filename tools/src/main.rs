//! `eventwire-tools`: see `eventwire-tools help`.

fn main() {
    eprintln!("eventwire-tools: no commands yet");
    std::process::exit(2);
}

//! `eventwire-conformance`: runs the conformance suite. See `conformance/INTERPRETING.md` and
//! `docs/testing-your-binding.md`.

fn main() -> std::process::ExitCode {
    eventwire_conformance::runner::main()
}

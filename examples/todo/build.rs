fn main() -> Result<(), eventwire_build::Error> {
    eventwire_build::configure()
        .include("proto")
        .tables("events")
        .compile()
}

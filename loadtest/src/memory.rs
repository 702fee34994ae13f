//! Peak resident memory, from Linux's `/proc/<pid>/status`.

/// `VmHWM` (peak resident set size) of process `pid` ("self" for this one), in KiB.
pub fn peak_rss_kib(pid: &str) -> Option<u64> {
    field(pid, "VmHWM:")
}

fn field(pid: &str, name: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    line[name.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

//! The buffers the library hands to C: sync-call responses and every buffer passed to a callback.
//! All of them are transferred to the receiver, who releases each exactly once with
//! `eventwire_free(ptr, len)` (REQ-TRANS-CABI-12, REQ-TRANS-CABI-14). Keeping allocation and
//! release in this one module keeps them on the same allocator and layout: a `Box<[u8]>` of
//! exactly `len` bytes, so the length C passes back is all that is needed to rebuild it.

/// Gives up ownership of `bytes` as a pointer and length for C. Empty buffers become NULL/0
/// (allowed by the header), so C never sees a dangling pointer and has nothing to free.
pub(crate) fn into_raw(bytes: Vec<u8>) -> (*mut u8, usize) {
    if bytes.is_empty() {
        return (std::ptr::null_mut(), 0);
    }
    let len = bytes.len();
    (Box::into_raw(bytes.into_boxed_slice()).cast::<u8>(), len)
}

/// Takes back a buffer made by [`into_raw`] and releases it; NULL is nothing to release.
///
/// # Safety
/// `ptr` must be NULL, or `ptr` and `len` must be exactly what [`into_raw`] returned, and the
/// buffer must not have been released before.
pub(crate) unsafe fn release(ptr: *mut u8, len: usize) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: by the caller's contract, `ptr`/`len` describe a `Box<[u8]>` leaked by `into_raw`,
    // whose ownership comes back here exactly once.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_buffers_are_null_and_need_no_release() {
        assert_eq!(into_raw(Vec::new()), (std::ptr::null_mut(), 0));
        // SAFETY: NULL is always accepted.
        unsafe { release(std::ptr::null_mut(), 0) };
    }

    #[test]
    fn a_transferred_buffer_holds_the_bytes_until_released() {
        // Spare capacity must not change the layout C is told about.
        let mut bytes = Vec::with_capacity(64);
        bytes.extend_from_slice(b"eventwire");
        let (ptr, len) = into_raw(bytes);
        assert_eq!(len, 9);
        // SAFETY: `into_raw` returned `len` initialised bytes at `ptr`, not yet released.
        let status = unsafe { std::slice::from_raw_parts(ptr, len) };
        assert_eq!(status, b"eventwire");
        // SAFETY: exactly what `into_raw` returned, released once.
        unsafe { release(ptr, len) };
    }
}

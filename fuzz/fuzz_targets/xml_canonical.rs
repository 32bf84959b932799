//! The XML fast path answers only with the full reader's answer. The seeds are canonical
//! bodies, which libFuzzer mutates (bytes flipped, inserted, deleted, pieces spliced in).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt::xml;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else { return };
    let [checked, unchecked] = xml::fuzzing_readings(body);
    let full = xml::fuzzing_read_full(body);
    if let Some(fast) = checked {
        assert_eq!(full.as_deref(), Ok(fast), "{body:?}");
    }
    // Unchecked, the value may hold what the full reader refuses or reads otherwise; where it
    // is plain text, the two agree.
    if let Some(fast) = unchecked.filter(|v| v.bytes().all(|b| (0x20..0x7F).contains(&b))) {
        assert_eq!(full.as_deref(), Ok(fast), "{body:?}");
    }
    // The public reading is one of the two, whichever answered.
    assert_eq!(xml::read_encrypt(body), full);
});

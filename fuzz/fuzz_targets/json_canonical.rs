//! The JSON fast path answers only with the full reader's answer, and the full reader with
//! serde_json's DOM's. The seeds are canonical bodies, which libFuzzer mutates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt::json;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else { return };
    let [checked, unchecked] = json::fuzzing_readings(body);
    let full = json::fuzzing_read_full(body);
    if let Some(fast) = checked {
        assert_eq!(full.as_deref(), Ok(fast), "{body:?}");
    }
    if let Some(fast) = unchecked.filter(|v| v.bytes().all(|b| b >= 0x20)) {
        assert_eq!(full.as_deref(), Ok(fast), "{body:?}");
    }
    assert_eq!(json::read_encrypt(body), full);
    if let (Ok(ours), Ok(dom)) = (&full, serde_json::from_str::<serde_json::Value>(body)) {
        let theirs = dom.get("encrypt").or_else(|| dom.get("Encrypt"));
        assert_eq!(Some(ours.as_ref()), theirs.and_then(serde_json::Value::as_str));
    }
});

use super::*;

#[test]
fn files_are_checked_by_content() {
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n";
    assert_eq!(check_pdf(pdf), Ok("application/pdf"));
    assert!(check_pdf(b"").unwrap_err().contains("empty"));
    assert!(
        check_pdf(b"<html><script>alert(1)</script>%%EOF")
            .unwrap_err()
            .contains("not a PDF")
    );
    assert!(
        check_pdf(b"%PDF-1.7\n1 0 obj")
            .unwrap_err()
            .contains("incomplete")
    );
    let mut big = pdf.to_vec();
    big.resize(MAX_FILE_BYTES + 1, b' ');
    assert!(check_pdf(&big).unwrap_err().contains("10 MB"));

    assert_eq!(check_report_file(pdf), Ok("application/pdf"));
    assert_eq!(check_report_file(b"\x89PNG\r\n\x1a\n...."), Ok("image/png"));
    assert_eq!(
        check_report_file(&[0xFF, 0xD8, 0xFF, 0xE0]),
        Ok("image/jpeg")
    );
    assert!(check_report_file(b"GIF89a....").is_err());
    assert!(check_report_file(b"<svg onload=alert(1)>").is_err());
    assert!(check_report_file(b"%PDF-1.4 no end").is_err());
}

#[test]
fn stored_files_get_random_names_and_keys_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let a = store_file(dir.path(), b"%PDF-1 %%EOF").unwrap();
    let b = store_file(dir.path(), b"%PDF-1 %%EOF").unwrap();
    assert_ne!(a, b);
    assert!(file_path(dir.path(), &a).unwrap().exists());
    assert_eq!(file_path(dir.path(), "../../etc/passwd"), None);
    delete_file(dir.path(), &a).unwrap();
    delete_file(dir.path(), &a).unwrap();
    assert!(!file_path(dir.path(), &a).unwrap().exists());
}

#[test]
fn display_names_are_one_short_line() {
    assert_eq!(
        display_name("C:\\Users\\x\\budget.pdf", "f.pdf"),
        "budget.pdf"
    );
    assert_eq!(display_name("../../a\r\nb.pdf", "f.pdf"), "ab.pdf");
    assert_eq!(display_name("", "f.pdf"), "f.pdf");
    assert_eq!(display_name(&"x".repeat(500), "f").chars().count(), 120);
}

#[test]
fn currencies_are_listed_in_words() {
    let l = |v: &[&str]| list_words(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(l(&["USD"]), "USD");
    assert_eq!(l(&["USD", "EUR", "GBP"]), "USD, EUR and GBP");
}

use super::tested_abi;
use crate::limits::LANDLOCK_ABI_TESTED;

#[test]
fn tested_abi_matches_its_constant() {
    assert_eq!(tested_abi() as i32, LANDLOCK_ABI_TESTED);
}

#[test]
fn scopes_follow_the_abi() {
    assert!(super::Support::Available { abi: 6 }.has_scopes());
    assert!(!super::Support::Available { abi: 5 }.has_scopes());
    assert!(
        !super::Support::Unavailable {
            reason: String::new()
        }
        .has_scopes()
    );
}

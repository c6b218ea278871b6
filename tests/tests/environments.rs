//! The committed environments file is valid, keeps staging and production apart, and
//! is not mistaken for a customer.

use cdt_connectors::Environments;
use cdt_core::Environment;
use cdt_tests::root;

#[test]
fn the_committed_environments_file_is_valid_and_not_a_customer() {
    let dir = root().join("customer-integration-settings");
    let envs = Environments::load(&dir).unwrap();
    let staging = envs.get(Environment::Staging);
    let production = envs.get(Environment::Production);
    assert_ne!(
        staging.api.as_ref().unwrap().base_url,
        production.api.as_ref().unwrap().base_url
    );
    assert!(
        staging
            .secret_refs()
            .iter()
            .all(|r| !production.secret_refs().contains(r))
    );
    let customers = cdt_connectors::customers::list(&dir).unwrap();
    assert!(customers.iter().all(|c| !c.starts_with('_')), "{customers:?}");
    assert!(customers.contains(&"demo-district".to_owned()));
}

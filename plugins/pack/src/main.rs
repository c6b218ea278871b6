//! `cdt-plugin-pack MODULE.wasm MANIFEST.toml OUT_DIR`
//!
//! Wraps the core module that `cargo build --target wasm32-unknown-unknown` made into
//! a WebAssembly component (the `cdt:plugin` world is embedded in the module by the
//! SDK's bindings), validates it, and writes `OUT_DIR/<id>/plugin.wasm` and
//! `OUT_DIR/<id>/plugin.toml`: the manifest with the component's SHA-256 added, which
//! the host checks before loading.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sha2::{Digest, Sha256};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [module, manifest, out] = args.as_slice() else {
        eprintln!("usage: cdt-plugin-pack MODULE.wasm MANIFEST.toml OUT_DIR");
        return ExitCode::from(2);
    };
    match pack(Path::new(module), Path::new(manifest), Path::new(out)) {
        Ok(dir) => {
            println!("packed {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cdt-plugin-pack: {e}");
            ExitCode::FAILURE
        }
    }
}

fn pack(module: &Path, manifest: &Path, out: &Path) -> Result<PathBuf, String> {
    let bytes = std::fs::read(module).map_err(|e| format!("{}: {e}", module.display()))?;
    let text = std::fs::read_to_string(manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let table: toml::Table = text.parse().map_err(|e| format!("{}: {e}", manifest.display()))?;
    let id = table
        .get("id")
        .and_then(toml::Value::as_str)
        .ok_or_else(|| format!("{}: no `id`", manifest.display()))?;
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || id.is_empty()
    {
        return Err(format!("{}: `id` must be kebab-case, got `{id}`", manifest.display()));
    }
    if table.contains_key("sha256") {
        return Err(format!(
            "{}: `sha256` is written by this tool; remove it",
            manifest.display()
        ));
    }
    if table.get("wasm").and_then(toml::Value::as_str) != Some("plugin.wasm") {
        return Err(format!("{}: `wasm` must be \"plugin.wasm\"", manifest.display()));
    }
    let component = wit_component::ComponentEncoder::default()
        .module(&bytes)
        .and_then(|e| e.validate(true).encode())
        .map_err(|e| format!("{}: not a cdt plugin module: {e:#}", module.display()))?;
    let hash: String = Sha256::digest(&component).iter().map(|b| format!("{b:02x}")).collect();
    let dir = out.join(id);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(dir.join("plugin.wasm"), &component).map_err(|e| format!("{}: {e}", dir.display()))?;
    let manifest_out =
        format!("# written by cdt-plugin-pack: the SHA-256 of plugin.wasm\nsha256 = \"{hash}\"\n\n{text}");
    std::fs::write(dir.join("plugin.toml"), manifest_out).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

//! `switchyard check`: validates the configuration without starting the
//! switch and prints `file:line: what is wrong` for each problem.

use crate::config::Config;
use crate::modules::find_module_file;
use std::path::Path;

/// Checks the configuration in `conf_dir` (and that every module it loads
/// exists in `mod_dir`). Prints findings; returns the process exit code.
pub fn run(conf_dir: &Path, mod_dir: &Path) -> i32 {
    let problems = problems(conf_dir, mod_dir);
    if problems.is_empty() {
        let source = if Config::path_in(conf_dir).exists() {
            Config::path_in(conf_dir).display().to_string()
        } else {
            format!(
                "embedded default (no {} in {})",
                crate::config::FILE_NAME,
                conf_dir.display()
            )
        };
        println!("configuration OK: {source}");
        0
    } else {
        for problem in &problems {
            eprintln!("{problem}");
        }
        eprintln!("{} problem(s) found", problems.len());
        1
    }
}

/// Every problem found, as `file:line: message` lines.
pub fn problems(conf_dir: &Path, mod_dir: &Path) -> Vec<String> {
    let mut found = config_problems(conf_dir, mod_dir);
    if let Err(errors) = crate::switch::load_dialplan(conf_dir) {
        found.extend(errors.iter().map(ToString::to_string));
    }
    found.extend(crate::lua::script::check_dir(
        &crate::lua::script::scripts_dir(conf_dir),
    ));
    found
}

fn config_problems(conf_dir: &Path, mod_dir: &Path) -> Vec<String> {
    match Config::load(conf_dir) {
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
        Ok(config) => config
            .modules
            .iter()
            .filter_map(|module| {
                find_module_file(mod_dir, &module.name)
                    .err()
                    .map(|e| format!("{}:{}: {e}", config.source, module.line))
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_modules_are_reported_at_their_line() {
        let conf = tempfile::tempdir().unwrap();
        let mods = tempfile::tempdir().unwrap();
        std::fs::write(
            conf.path().join("switchyard.xml"),
            "<switchyard>\n  <modules>\n    <load module=\"mod_here\"/>\n    <load module=\"mod_gone\"/>\n  </modules>\n</switchyard>\n",
        )
        .unwrap();
        std::fs::write(mods.path().join("mod_here.so"), b"").unwrap();
        let found = problems(conf.path(), mods.path());
        assert_eq!(found.len(), 1, "{found:?}");
        let expected = format!(
            "switchyard.xml:4: mod_gone: no module file mod_gone.so or libmod_gone.so in {}",
            mods.path().display()
        );
        assert!(found[0].ends_with(&expected), "{}", found[0]);
    }

    #[test]
    fn dialplan_errors_are_reported_with_file_and_line() {
        let conf = tempfile::tempdir().unwrap();
        std::fs::create_dir(conf.path().join("dialplan")).unwrap();
        std::fs::write(
            conf.path().join("dialplan/acme.xml"),
            "<include>\n<context name=\"acme.test\">\n<extension name=\"x\">\n<condition field=\"destination_number\" expression=\"^(1\"/>\n</extension>\n</context>\n</include>\n",
        )
        .unwrap();
        let found = problems(conf.path(), conf.path());
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("acme.xml:4:"), "{}", found[0]);
    }

    #[test]
    fn no_file_means_the_embedded_default_which_is_fine() {
        let conf = tempfile::tempdir().unwrap();
        assert!(problems(conf.path(), conf.path()).is_empty());
        assert_eq!(run(conf.path(), conf.path()), 0);
    }
}

//! Finding scripts and their arguments: `lua <script> [args]` names a file
//! under `CONF_DIR/scripts`; `argv[0]` is the script as given and
//! `argv[1..]` the arguments, as FreeSWITCH's mod_lua sets them.

use std::path::{Component, Path, PathBuf};

/// The scripts directory of a configuration directory.
pub fn scripts_dir(conf_dir: &Path) -> PathBuf {
    conf_dir.join("scripts")
}

/// Checks that `name` stays inside the scripts directory: relative, no
/// `..`, not empty.
///
/// # Errors
/// A message saying why the name is refused.
pub fn check_script_name(name: &str) -> Result<(), String> {
    let path = Path::new(name);
    if name.trim().is_empty() {
        return Err("a script name is empty".into());
    }
    if path.is_absolute() {
        return Err(format!(
            "script '{name}' is an absolute path; scripts are named relative to the scripts directory"
        ));
    }
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "script '{name}' leaves the scripts directory ('..' is not allowed)"
        ));
    }
    Ok(())
}

/// The file `name` refers to in `scripts` (`.lua` is added when the name
/// has no extension and the bare file does not exist).
///
/// # Errors
/// The name is refused ([`check_script_name`]) or no such file exists.
pub fn resolve(scripts: &Path, name: &str) -> Result<PathBuf, String> {
    check_script_name(name)?;
    let direct = scripts.join(name);
    if direct.is_file() {
        return Ok(direct);
    }
    if Path::new(name).extension().is_none() {
        let with = scripts.join(format!("{name}.lua"));
        if with.is_file() {
            return Ok(with);
        }
    }
    Err(format!("no script '{name}' in {}", scripts.display()))
}

/// Splits `lua`'s argument string into the script name and its arguments
/// (shell-like quoting; unbalanced quotes fall back to plain words).
pub fn split_args(data: &str) -> Option<(String, Vec<String>)> {
    let words =
        shlex::split(data).unwrap_or_else(|| data.split_whitespace().map(str::to_owned).collect());
    let mut words = words.into_iter();
    let script = words.next()?;
    Some((script, words.collect()))
}

/// Compiles (without running) the Lua file at `path`; a syntax error comes
/// back as `path:line: message`.
///
/// # Errors
/// The file cannot be read, or does not compile.
pub fn check_syntax(path: &Path) -> Result<(), String> {
    let source =
        std::fs::read(path).map_err(|e| format!("{}:0: cannot read: {e}", path.display()))?;
    compile(&source, &path.display().to_string())
}

/// Compiles (without running) Lua `source` named `name`; a syntax error
/// comes back as `name:line: message`. Binary chunks are refused.
///
/// # Errors
/// The source does not compile.
pub fn compile(source: &[u8], name: &str) -> Result<(), String> {
    let lua = mlua::Lua::new_with(mlua::StdLib::NONE, mlua::LuaOptions::default())
        .map_err(|e| format!("{name}:0: {e}"))?;
    lua.load(source)
        .set_name(format!("@{name}"))
        .set_mode(mlua::chunk::ChunkMode::Text)
        .into_function()
        .map(|_| ())
        .map_err(|e| describe(&e))
}

/// Checks every `*.lua` file under `dir` (recursively, sorted); a missing
/// directory has nothing to check.
pub fn check_dir(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.sort();
    files.iter().filter_map(|f| check_syntax(f).err()).collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "lua") {
            files.push(path);
        }
    }
}

/// A Lua error as one line: the innermost message (`file:line: what`),
/// without mlua's wrapping or the traceback.
pub fn describe(error: &mlua::Error) -> String {
    match error {
        mlua::Error::SyntaxError { message, .. } => message.clone(),
        mlua::Error::RuntimeError(message) => message.lines().next().unwrap_or("").to_owned(),
        mlua::Error::CallbackError { cause, traceback } => {
            let message = describe(cause);
            match script_location(traceback) {
                // A refusal raised by the switch has no position of its
                // own: name where the script called it.
                Some(location) if !message.starts_with(&location) => {
                    format!("{location}: {message}")
                }
                _ => message,
            }
        }
        mlua::Error::WithContext { cause, .. } => describe(cause),
        mlua::Error::MemoryError(message) => format!("out of memory: {message}"),
        other => other.to_string().lines().next().unwrap_or("").to_owned(),
    }
}

/// The innermost script position (`file:line`) of a Lua traceback,
/// skipping C functions and the sandbox's own wrappers.
fn script_location(traceback: &str) -> Option<String> {
    traceback.lines().skip(1).find_map(|line| {
        let line = line.trim();
        if line.starts_with("[C]") || line.starts_with("fence:") {
            return None;
        }
        let mut parts = line.splitn(3, ':');
        let file = parts.next()?;
        let number = parts.next()?;
        (!file.is_empty() && !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format!("{file}:{number}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_leaving_the_directory_are_refused() {
        assert!(check_script_name("ivr/main.lua").is_ok());
        assert!(check_script_name("../x.lua").is_err());
        assert!(check_script_name("/etc/x.lua").is_err());
        assert!(check_script_name(" ").is_err());
    }

    #[test]
    fn arguments_split_like_a_shell() {
        let (script, args) = split_args("ivr.lua 1001 'two words'").unwrap();
        assert_eq!(script, "ivr.lua");
        assert_eq!(args, vec!["1001", "two words"]);
        assert!(split_args("  ").is_none());
        let (_, args) = split_args("x.lua 'open").unwrap();
        assert_eq!(args, vec!["'open"]);
    }

    #[test]
    fn errors_raised_by_the_switch_name_where_the_script_called() {
        let lua = mlua::Lua::new();
        lua.globals()
            .set(
                "refuse",
                lua.create_function(|_, ()| -> mlua::Result<()> {
                    Err(mlua::Error::RuntimeError("not allowed".into()))
                })
                .unwrap(),
            )
            .unwrap();
        let error = lua
            .load("local x = 1\nrefuse()")
            .set_name("@flow.lua")
            .exec()
            .unwrap_err();
        assert_eq!(describe(&error), "flow.lua:2: not allowed");
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("good.lua"), "local x = 1\nreturn x\n").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/bad.lua"), "local x = 1\n\nif x then\n").unwrap();
        let found = check_dir(dir.path());
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("sub/bad.lua:4:"), "{}", found[0]);
        assert_eq!(
            resolve(dir.path(), "good").unwrap(),
            dir.path().join("good.lua")
        );
        assert!(resolve(dir.path(), "missing.lua").is_err());
    }
}

//! A fresh, fenced Lua state per script run: the standard libraries minus
//! what reaches outside (`os.execute`, `os.exit`, `io.popen`, `debug`,
//! `package`, binary chunks); `io.open` and `io.lines` only under the
//! allowed directories; `require` only from the scripts directory; a
//! memory ceiling.

use std::path::{Component, Path, PathBuf};

/// The directories a script's file access is confined to, canonicalized.
#[derive(Debug, Clone)]
pub struct AllowedDirs {
    base: PathBuf,
    dirs: Vec<PathBuf>,
}

impl AllowedDirs {
    /// `base` (the scripts directory, where relative paths start) and
    /// `others`; directories that do not exist are left out.
    pub fn new(base: &Path, others: &[PathBuf]) -> AllowedDirs {
        let dirs = std::iter::once(base)
            .chain(others.iter().map(PathBuf::as_path))
            .filter_map(|d| d.canonicalize().ok())
            .collect();
        AllowedDirs {
            base: base.to_path_buf(),
            dirs,
        }
    }

    /// The path a script may open for `requested`.
    ///
    /// # Errors
    /// The path lies outside every allowed directory.
    pub fn check(&self, requested: &str) -> Result<PathBuf, String> {
        let joined = self.base.join(requested);
        let mut normal = PathBuf::new();
        for component in joined.components() {
            match component {
                Component::ParentDir => {
                    normal.pop();
                }
                Component::CurDir => {}
                other => normal.push(other),
            }
        }
        // Resolve symbolic links through the deepest part that exists.
        let mut existing = normal.clone();
        let mut rest = Vec::new();
        let real = loop {
            if let Ok(real) = existing.canonicalize() {
                break real;
            }
            match (existing.file_name(), existing.parent()) {
                (Some(name), Some(parent)) => {
                    rest.push(name.to_owned());
                    existing = parent.to_path_buf();
                }
                _ => return Err(format!("'{requested}' is not a usable path")),
            }
        };
        let real = rest.iter().rev().fold(real, |p, name| p.join(name));
        if self.dirs.iter().any(|d| real.starts_with(d)) {
            Ok(real)
        } else {
            Err(format!(
                "'{requested}' is outside the directories scripts may use"
            ))
        }
    }
}

/// Lua that fences the standard library; runs once per state, before the
/// script. `__sy_check_path` and `__sy_require` are Rust functions it
/// captures and removes from the globals.
const FENCE: &str = r#"
local check, find = __sy_check_path, __sy_require
__sy_check_path, __sy_require = nil, nil
local real_load, real_open, real_lines, select = load, io.open, io.lines, select
load = function(chunk, name, mode, ...)
  if select('#', ...) > 0 then return real_load(chunk, name, "t", ...) end
  return real_load(chunk, name, "t")
end
dofile, loadfile = nil, nil
io.open = function(path, mode) return real_open(check(path), mode) end
io.lines = function(path, ...)
  if path == nil then error("io.lines needs a file name", 2) end
  return real_lines(check(path), ...)
end
io.popen, io.read, io.write, io.input, io.output, io.tmpfile = nil, nil, nil, nil, nil, nil
io.stdin, io.stdout, io.stderr = nil, nil, nil
local os_time, os_date, os_clock, os_difftime = os.time, os.date, os.clock, os.difftime
os = { time = os_time, date = os_date, clock = os_clock, difftime = os_difftime }
local loaded = {}
require = function(name)
  if loaded[name] == nil then
    loaded[name] = find(name)(name)
    if loaded[name] == nil then loaded[name] = true end
  end
  return loaded[name]
end
"#;

/// A new state for one script: fenced libraries, memory ceiling.
///
/// # Errors
/// mlua could not build the state.
pub fn new_state(
    allowed: &AllowedDirs,
    scripts: &Path,
    memory_limit: usize,
) -> mlua::Result<mlua::Lua> {
    use mlua::StdLib;
    let libs = StdLib::COROUTINE
        | StdLib::TABLE
        | StdLib::STRING
        | StdLib::UTF8
        | StdLib::MATH
        | StdLib::IO
        | StdLib::OS;
    let lua = mlua::Lua::new_with(libs, mlua::LuaOptions::default())?;
    let checker = allowed.clone();
    lua.globals().set(
        "__sy_check_path",
        lua.create_function(move |_, path: String| {
            checker
                .check(&path)
                .map(|p| p.display().to_string())
                .map_err(mlua::Error::RuntimeError)
        })?,
    )?;
    let scripts = scripts.to_path_buf();
    lua.globals().set(
        "__sy_require",
        lua.create_function(move |lua, name: String| {
            let relative = format!("{}.lua", name.replace('.', "/"));
            let path = super::script::resolve(&scripts, &relative).map_err(|e| {
                mlua::Error::RuntimeError(format!("module '{name}' not found: {e}"))
            })?;
            let source = std::fs::read(&path).map_err(|e| {
                mlua::Error::RuntimeError(format!("module '{name}': {}: {e}", path.display()))
            })?;
            lua.load(&source[..])
                .set_name(format!("@{}", path.display()))
                .set_mode(mlua::chunk::ChunkMode::Text)
                .into_function()
        })?,
    )?;
    lua.load(FENCE).set_name("=fence").exec()?;
    lua.set_memory_limit(memory_limit)?;
    Ok(lua)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(dir: &Path) -> mlua::Lua {
        let allowed = AllowedDirs::new(dir, &[]);
        new_state(&allowed, dir, 8 * 1024 * 1024).unwrap()
    }

    #[test]
    fn dangerous_functions_are_gone() {
        let dir = tempfile::tempdir().unwrap();
        let lua = state(dir.path());
        for gone in [
            "os.exit",
            "os.execute",
            "os.getenv",
            "os.remove",
            "io.popen",
            "dofile",
            "loadfile",
            "debug",
            "package",
        ] {
            let value: mlua::Value = lua.load(format!("return {gone}")).eval().unwrap();
            assert!(value.is_nil(), "{gone} is still there");
        }
        let t: i64 = lua
            .load("return os.time{year=2026, month=1, day=1, hour=0}")
            .eval()
            .unwrap();
        assert!(t > 0);
        let binary = lua
            .load("return load(string.dump(function() return 1 end))")
            .eval::<mlua::Value>()
            .unwrap();
        assert!(binary.is_nil(), "binary chunks must be refused");
    }

    #[test]
    fn files_open_only_inside_the_allowed_directories() {
        let dir = tempfile::tempdir().unwrap();
        let lua = state(dir.path());
        lua.load("local f = assert(io.open('notes.txt', 'w')) f:write('hi') f:close()")
            .exec()
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
            "hi"
        );
        let outside = lua.load("return io.open('../escape.txt', 'w')").exec();
        assert!(outside.is_err());
        let absolute = lua.load("return io.open('/etc/passwd')").exec();
        assert!(absolute.unwrap_err().to_string().contains("outside"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc", dir.path().join("etc")).unwrap();
            assert!(lua.load("return io.open('etc/passwd')").exec().is_err());
        }
    }

    #[test]
    fn require_loads_modules_from_the_scripts_directory_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lib")).unwrap();
        std::fs::write(
            dir.path().join("lib/util.lua"),
            "count = (count or 0) + 1\nreturn { twice = function(x) return 2 * x end }",
        )
        .unwrap();
        let lua = state(dir.path());
        let n: i64 = lua
            .load("local u = require('lib.util') require('lib.util') return u.twice(21) + count")
            .eval()
            .unwrap();
        assert_eq!(n, 43);
        assert!(lua.load("require('..secret')").exec().is_err());
    }

    #[test]
    fn memory_is_capped() {
        let dir = tempfile::tempdir().unwrap();
        let allowed = AllowedDirs::new(dir.path(), &[]);
        let lua = new_state(&allowed, dir.path(), 1024 * 1024).unwrap();
        let err = lua
            .load("local t = {} for i = 1, 1e7 do t[i] = string.rep('x', 64) .. i end")
            .exec()
            .unwrap_err();
        assert!(matches!(err, mlua::Error::MemoryError(_)), "{err}");
    }
}

//! The Typst world a layout is compiled in: the layouts folder as its root, the data
//! document as the virtual file `/data.json`, the brand's logo as `/logo.<ext>`, and fonts
//! from the layouts folder, configured folders and Typst's embedded set. Nothing is read
//! from the network and no clock is consulted, so the same inputs give the same PDF.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Datelike;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Dict, IntoValue};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::FontStore;

/// The fonts and standard library, loaded once and shared by every compilation.
pub struct Engine {
    root: PathBuf,
    library: LazyHash<Library>,
    fonts: FontStore,
}

/// The path under which a layout finds its data document.
pub const DATA_PATH: &str = "/data.json";

impl Engine {
    /// `root` is the layouts folder; fonts are searched in `<root>/fonts`, then `font_dirs`,
    /// then Typst's embedded fonts as the fallback.
    pub fn new(root: &Path, font_dirs: &[PathBuf]) -> Self {
        let mut fonts = FontStore::new();
        for dir in std::iter::once(root.join("fonts")).chain(font_dirs.iter().cloned()) {
            if dir.is_dir() {
                // Sorted so the font book, and with it the output, does not depend on readdir order.
                for (font, info) in fonts_in(&dir) {
                    fonts.push((font, info));
                }
            }
        }
        fonts.extend(typst_kit::fonts::embedded());
        let mut inputs = Dict::new();
        inputs.insert("data".into(), DATA_PATH.into_value());
        let library = Library::builder().with_inputs(inputs).build();
        Self {
            root: root.to_path_buf(),
            library: LazyHash::new(library),
            fonts,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The fonts, to ask which characters they have glyphs for.
    pub(crate) fn book(&self) -> &FontBook {
        self.fonts.book()
    }

    /// The font at `index` of the book.
    pub(crate) fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }
}

fn id(path: &str) -> FileId {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("a valid virtual path"),
    )
    .intern()
}

/// One compilation: a main layout with its data and extra in-memory files.
pub struct DocWorld<'a> {
    engine: &'a Engine,
    main: FileId,
    virtual_files: HashMap<FileId, Bytes>,
    today: Datetime,
    sources: std::sync::Mutex<HashMap<FileId, Source>>,
}

impl<'a> DocWorld<'a> {
    /// `layout` is a file name in the layouts folder, e.g. `kwartaalrapportage.typ`.
    pub fn new(
        engine: &'a Engine,
        layout: &str,
        data: Vec<u8>,
        extra: Vec<(String, Vec<u8>)>,
        date: chrono::NaiveDate,
    ) -> Self {
        let mut virtual_files = HashMap::new();
        virtual_files.insert(id(DATA_PATH), Bytes::new(data));
        for (path, bytes) in extra {
            virtual_files.insert(id(&path), Bytes::new(bytes));
        }
        let today = Datetime::from_ymd(date.year(), date.month() as u8, date.day() as u8)
            .expect("a valid date");
        Self {
            engine,
            main: id(&format!("/{layout}")),
            virtual_files,
            today,
            sources: Default::default(),
        }
    }

    fn read(&self, id: FileId) -> FileResult<Vec<u8>> {
        let vpath = id.vpath();
        let path = vpath
            .realize(&self.engine.root)
            .map_err(FileError::Realize)?;
        std::fs::read(&path).map_err(|e| FileError::from_io(e, &path))
    }
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.engine.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.engine.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if let Some(s) = self.sources.lock().expect("source cache").get(&id) {
            return Ok(s.clone());
        }
        let bytes = self.file(id)?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| FileError::InvalidUtf8)?;
        let source = Source::new(id, text);
        self.sources
            .lock()
            .expect("source cache")
            .insert(id, source.clone());
        Ok(source)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(bytes) = self.virtual_files.get(&id) {
            return Ok(bytes.clone());
        }
        if !matches!(id.root(), VirtualRoot::Project) {
            // Packages would be downloaded; layouts must bring what they need.
            return Err(FileError::Other(Some(
                "packages are not available: layouts must be self-contained".into(),
            )));
        }
        self.read(id).map(Bytes::new)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.engine.fonts.font(index)
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// Shared handle for rendering from several places.
pub type SharedEngine = Arc<Engine>;

/// The fonts in one folder, sorted by file name so the font book, and with it the output,
/// does not depend on the order the file system lists them in.
fn fonts_in(dir: &Path) -> Vec<(typst::text::Font, typst::text::FontInfo)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default()
                .to_ascii_lowercase();
            matches!(ext.as_str(), "ttf" | "otf" | "ttc" | "otc")
        })
        .collect();
    files.sort();
    let mut found = Vec::new();
    for file in files {
        match std::fs::read(&file) {
            Ok(data) => {
                for font in typst::text::Font::iter(typst::foundations::Bytes::new(data)) {
                    let info = font.info().clone();
                    found.push((font, info));
                }
            }
            Err(e) => {
                tracing::warn!(file = %file.display(), error = %e, "font not readable; skipped")
            }
        }
    }
    found
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The engine over the committed layouts and fonts.
    pub(crate) fn engine() -> Engine {
        let layouts = Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts");
        Engine::new(&layouts, &[])
    }
}

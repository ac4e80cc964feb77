//! A house style (`[tenant.brands.<name>]`): the organisation's or the municipality's.

use std::path::PathBuf;

use serde::Deserialize;

use super::RenderError;
use super::document::BrandData;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Brand {
    pub name: String,
    /// SVG or PNG.
    #[serde(default)]
    pub logo: Option<PathBuf>,
    pub primary: String,
    pub accent: String,
    /// A light tint for backgrounds; derived from `primary` when absent.
    #[serde(default)]
    pub light: Option<String>,
    #[serde(default = "default_font")]
    pub font: String,
}

fn default_font() -> String {
    "Open Sans".to_string()
}

pub fn is_hex_colour(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())
}

impl Brand {
    /// The brand as the layouts get it; the logo's virtual path is set by
    /// [`super::prepare`].
    pub fn data(&self) -> BrandData {
        BrandData {
            name: self.name.clone(),
            primary: self.primary.clone(),
            accent: self.accent.clone(),
            light: self.light.clone().unwrap_or_else(|| tint(&self.primary)),
            font: self.font.clone(),
            logo: None,
        }
    }

    /// The logo's bytes at the virtual path the layout reads it from.
    pub fn logo_file(&self) -> Result<Option<(String, Vec<u8>)>, RenderError> {
        let Some(path) = &self.logo else {
            return Ok(None);
        };
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if !["svg", "png", "jpg", "jpeg"].contains(&ext.as_str()) {
            return Err(RenderError::Logo {
                path: path.display().to_string(),
                reason: "expected an SVG or PNG file".into(),
            });
        }
        let bytes = std::fs::read(path).map_err(|e| RenderError::Logo {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(Some((format!("/logo.{ext}"), bytes)))
    }
}

/// A light tint of a colour (88 % towards white) for table stripes and backgrounds.
fn tint(hex: &str) -> String {
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0) as f64;
    let mix = |c: f64| (c + (255.0 - c) * 0.88).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(channel(1)),
        mix(channel(3)),
        mix(channel(5))
    )
}

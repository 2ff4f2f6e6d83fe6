//! The two images of a run: used as they are when present locally. The project's own images
//! (`openapp-conformance/…`, built by scripts/build-images.sh) are never pulled; another image
//! missing locally (such as `oryd/kratos`) is pulled through testcontainers. The check comes
//! first because testcontainers itself pulls whenever creating a container answers 404.

use std::time::Duration;

use testcontainers::GenericImage;
use testcontainers::runners::AsyncRunner;

use super::engine::{Engine, EngineError};
use super::progress::{Progress, one_line};
use super::settings::{EMULATOR_IMAGE, ImageRef};

/// How long a missing image may take to pull.
const PULL_TIMEOUT: Duration = Duration::from_secs(300);
/// The repository prefix of the images scripts/build-images.sh builds.
const PROJECT_PREFIX: &str = "openapp-conformance/";

/// An image cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The engine could not say whether it is present.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Neither present nor pullable (exit code 3, one line).
    #[error("image {image} is not present locally{reason}; {hint}")]
    Unavailable {
        /// `name:tag`.
        image: String,
        /// Why a pull failed, as ` and could not be pulled (…)`; empty when none was tried.
        reason: String,
        /// How to get it.
        hint: String,
    },
}

/// How to obtain an image that is missing.
pub fn image_hint(image: &ImageRef) -> String {
    if image.name.starts_with(PROJECT_PREFIX) {
        "build it with scripts/build-images.sh".into()
    } else if image.name.ends_with("oryd/kratos") {
        format!(
            "pull it where a registry is reachable (docker pull {image}) and `docker save`/`docker load` it here, or build the emulator with scripts/build-images.sh and set KRATOS_IMAGE={EMULATOR_IMAGE}"
        )
    } else {
        format!(
            "pull it where a registry is reachable (docker pull {image}) and `docker save`/`docker load` it here, or build it locally"
        )
    }
}

/// Makes sure `image` is present locally: used as is when it is; a project image is an
/// error at once; another is pulled (announced through `progress`).
pub async fn ensure(
    engine: &Engine,
    image: &ImageRef,
    progress: &Progress,
) -> Result<(), ImageError> {
    if engine.has_image(image).await? {
        return Ok(());
    }
    let unavailable = |reason: String| ImageError::Unavailable {
        image: image.to_string(),
        reason,
        hint: image_hint(image),
    };
    if image.name.starts_with(PROJECT_PREFIX) {
        return Err(unavailable(String::new()));
    }
    progress.line(format!("pulling {image}"));
    let pull = GenericImage::new(image.name.clone(), image.tag.clone()).pull_image();
    match tokio::time::timeout(PULL_TIMEOUT, pull).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(unavailable(format!(
            " and could not be pulled ({})",
            one_line(&e.to_string())
        ))),
        Err(_) => Err(unavailable(format!(
            " and could not be pulled (the pull took longer than {PULL_TIMEOUT:?})"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_say_how_to_get_an_image() {
        let p = |s| ImageRef::parse("X", s).unwrap();
        assert!(
            image_hint(&p("openapp-conformance/reference:dev")).contains("scripts/build-images.sh")
        );
        let kratos = image_hint(&p("oryd/kratos:v1.3.1"));
        assert!(
            kratos.contains("docker pull oryd/kratos:v1.3.1"),
            "{kratos}"
        );
        assert!(kratos.contains("KRATOS_IMAGE=openapp-conformance/kratos-emulator:dev"));
        assert!(image_hint(&p("acme/app:1")).contains("registry is reachable"));
    }

    #[test]
    fn a_missing_project_image_says_how_to_build_it_on_one_line() {
        let e = ImageError::Unavailable {
            image: "openapp-conformance/x:dev".into(),
            reason: String::new(),
            hint: image_hint(&ImageRef::parse("X", "openapp-conformance/x:dev").unwrap()),
        };
        assert_eq!(
            e.to_string(),
            "image openapp-conformance/x:dev is not present locally; build it with scripts/build-images.sh"
        );
    }
}

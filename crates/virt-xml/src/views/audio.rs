//! Typed views of an `<audio>` backend's streams: its `<input>` and
//! `<output>` with their buffering, the backend-specific options and the
//! fixed `<settings>` of the mixing engine. Each value is read with
//! libvirt 9.0's error for a bad one, in libvirt's order.

use super::*;

flat_view! {
    /// An audio stream's fixed `<settings frequency= channels= format=>`.
    AudioSettings = "settings" {
        frequency: u32 = "frequency",
        channels: u32 = "channels",
        format: String = "format" ["s8", "u8", "s16", "u16", "s32", "u32", "f32"],
    }
}

flat_view! {
    /// An `<audio>` backend's `<input>` or `<output>` stream: the options
    /// every backend has (mixing engine, fixed settings, voices, buffer
    /// length) and those of one backend (ALSA and OSS `dev`, the buffer
    /// count of CoreAudio, OSS and SDL, JACK's server and client names,
    /// OSS polling, PulseAudio's stream name and latency).
    AudioStream = "output" {
        mixing_engine: String = "mixingEngine" ["yes", "no"],
        fixed_settings: String = "fixedSettings" ["yes", "no"],
        voices: u32 = "voices",
        buffer_length: u32 = "bufferLength",
        dev: String = "dev",
        buffer_count: u32 = "bufferCount",
        server_name: String = "serverName",
        client_name: String = "clientName",
        connect_ports: String = "connectPorts",
        exact_name: String = "exactName" ["yes", "no"],
        try_poll: String = "tryPoll" ["yes", "no"],
        name: String = "name",
        stream_name: String = "streamName",
        latency: u32 = "latency",
    }
}

/// Check an `<audio>` backend's streams as libvirt reads them at define:
/// `<input>` then `<output>`, each one's attributes, then the rules
/// between them (fixed settings need the mixing engine, `<settings>` need
/// fixed settings), then its `<settings>`.
pub(crate) fn check_audio_streams(audio: &Element) -> Result<(), XmlError> {
    for name in ["input", "output"] {
        let Some(stream) = audio.child(name) else {
            continue;
        };
        let s = AudioStream::from_element(stream)?;
        let fixed = s.fixed_settings.as_deref() == Some("yes");
        if fixed && s.mixing_engine.as_deref() != Some("yes") {
            return Err(XmlError::Unsupported(
                "fixed audio settings requires mixing engine".into(),
            ));
        }
        if let Some(settings) = stream.child("settings") {
            if !fixed {
                return Err(XmlError::Unsupported(
                    "audio settings specified without fixed settings flag".into(),
                ));
            }
            AudioSettings::check(settings)?;
        }
    }
    Ok(())
}

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

/// `virXMLPropUInt` in base 10: `None` when absent; refused when not a
/// number, zero for a `nonzero` one, or missing for a `required` one.
fn uint_attr(el: &Element, name: &str, required: bool, nonzero: bool) -> Result<(), XmlError> {
    crate::validate::prop_uint(el, name, 10, required, nonzero).map(drop)
}

/// `virXMLPropEnum` (and `virXMLPropTristateBool`, `values` yes/no): a
/// value from `values`, the first one refused when `nonzero`.
fn enum_attr(el: &Element, name: &str, values: &[&str], nonzero: bool) -> Result<(), XmlError> {
    let Some(v) = el.attr(name) else {
        return Ok(());
    };
    match values.iter().position(|x| *x == v) {
        Some(0) if nonzero => {}
        Some(_) => return Ok(()),
        None => {}
    }
    Err(XmlError::Invalid(format!(
        "Invalid value for attribute '{name}' in element '{}': '{v}'.",
        el.name
    )))
}

const YES_NO: &[&str] = &["yes", "no"];

/// Check an `<audio>` backend as libvirt reads it at define
/// (virDomainAudioDefParseXML): its type, id and timer period; the
/// options every backend's `<input>` then `<output>` has
/// (virDomainAudioCommonParse); then the options of its type, on the
/// backend and on each stream. What a type does not read is not
/// checked.
pub(crate) fn check_audio(audio: &Element) -> Result<(), XmlError> {
    const TYPES: &[&str] = &[
        "none",
        "alsa",
        "coreaudio",
        "jack",
        "oss",
        "pulseaudio",
        "sdl",
        "spice",
        "file",
        "dbus",
    ];
    let Some(kind) = audio.attr("type") else {
        return Err(crate::validate::missing_attr(audio, "type"));
    };
    enum_attr(audio, "type", TYPES, false)?;
    uint_attr(audio, "id", true, true)?;
    uint_attr(audio, "timerPeriod", false, true)?;
    let streams = [audio.child("input"), audio.child("output")];
    for stream in streams.iter().flatten() {
        check_stream(stream)?;
    }
    match kind {
        "sdl" => {
            const DRIVERS: &[&str] = &["", "esd", "alsa", "arts", "pulseaudio"];
            enum_attr(audio, "driver", DRIVERS, true)?;
        }
        "oss" => {
            enum_attr(audio, "tryMMap", YES_NO, false)?;
            enum_attr(audio, "exclusive", YES_NO, false)?;
            if let Some(v) = audio.attr("dspPolicy") {
                match crate::validate::c_int(v) {
                    None => {
                        return Err(XmlError::Invalid(format!(
                            "Invalid value for attribute 'dspPolicy' in element 'audio': '{v}'. Expected integer value"
                        )))
                    }
                    Some(n) if n < 0 => {
                        return Err(XmlError::Invalid(format!(
                            "cannot parse 'dspPolicy' value '{n}'"
                        )))
                    }
                    Some(_) => {}
                }
            }
        }
        _ => {}
    }
    for stream in streams.iter().flatten() {
        match kind {
            "coreaudio" | "sdl" => uint_attr(stream, "bufferCount", false, false)?,
            "jack" => enum_attr(stream, "exactName", YES_NO, false)?,
            "oss" => {
                enum_attr(stream, "tryPoll", YES_NO, false)?;
                uint_attr(stream, "bufferCount", false, false)?;
            }
            "pulseaudio" => uint_attr(stream, "latency", false, false)?,
            _ => {}
        }
    }
    Ok(())
}

/// virDomainAudioCommonParse: the mixing engine and fixed settings (fixed
/// settings need the engine), voices and buffer length (not zero), then
/// the fixed `<settings>` (only with fixed settings), each value not
/// zero.
fn check_stream(stream: &Element) -> Result<(), XmlError> {
    enum_attr(stream, "mixingEngine", YES_NO, false)?;
    enum_attr(stream, "fixedSettings", YES_NO, false)?;
    let fixed = stream.attr("fixedSettings") == Some("yes");
    if fixed && stream.attr("mixingEngine") != Some("yes") {
        return Err(XmlError::Unsupported(
            "fixed audio settings requires mixing engine".into(),
        ));
    }
    uint_attr(stream, "voices", false, true)?;
    uint_attr(stream, "bufferLength", false, true)?;
    if let Some(settings) = stream.child("settings") {
        if !fixed {
            return Err(XmlError::Unsupported(
                "audio settings specified without fixed settings flag".into(),
            ));
        }
        uint_attr(settings, "frequency", false, true)?;
        uint_attr(settings, "channels", false, true)?;
        const FORMATS: &[&str] = &["", "u8", "s8", "u16", "s16", "u32", "s32", "f32"];
        enum_attr(settings, "format", FORMATS, true)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    // Texts observed from libvirt 9.0 through virsh.
    #[test]
    fn audio_backends_read_as_libvirt_reads_them() {
        let verdict = crate::testing::devices_verdict;
        let cases = [
            ("<audio id='1' type='oss' dspPolicy='-5'/>", "XML error: cannot parse 'dspPolicy' value '-5'"),
            ("<audio id='1' type='alsa' dspPolicy='-5'/>", "OK"),
            ("<audio id='1' type='oss' dspPolicy='x'/>", "XML error: Invalid value for attribute 'dspPolicy' in element 'audio': 'x'. Expected integer value"),
            ("<audio id='1' type='oss'><input bufferLength='0'/></audio>", "XML error: Invalid value for attribute 'bufferLength' in element 'input': Zero is not permitted"),
            ("<audio id='1' type='alsa'><input bufferCount='x'/></audio>", "OK"),
            ("<audio id='1' type='sdl' driver=''/>", "XML error: Invalid value for attribute 'driver' in element 'audio': ''."),
            ("<audio type='none'/>", "XML error: Missing required attribute 'id' in element 'audio'"),
            ("<audio id='0' type='none'/>", "XML error: Invalid value for attribute 'id' in element 'audio': Zero is not permitted"),
            ("<audio id='1' type='oss'><output fixedSettings='yes' mixingEngine='yes'><settings format=''/></output></audio>", "XML error: Invalid value for attribute 'format' in element 'settings': ''."),
            ("<audio id='1' type='bogus'/>", "XML error: Invalid value for attribute 'type' in element 'audio': 'bogus'."),
            ("<audio id='1' type='jack'><output exactName='x'/></audio>", "XML error: Invalid value for attribute 'exactName' in element 'output': 'x'."),
        ];
        for (audio, want) in cases {
            assert_eq!(verdict(audio), want, "{audio}");
        }
    }
}

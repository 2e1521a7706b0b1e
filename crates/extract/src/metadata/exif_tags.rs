//! exiftool's names and print conversions for the Exif tags a photographer
//! sees: Image::ExifTool::Exif::Main (IFD0, IFD1, ExifIFD and InteropIFD share
//! it) and Image::ExifTool::GPS::Main. Tags missing here are tags exiftool
//! hides by default (unknown or binary), so they are left out of the map.

use super::print::Conv::{self, *};

/// A tag's exiftool name and how its value prints.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TagDef {
    pub id: u16,
    pub name: &'static str,
    pub conv: Conv,
}

const fn t(id: u16, name: &'static str, conv: Conv) -> TagDef {
    TagDef { id, name, conv }
}

/// The tag of `id` in the main Exif table.
pub(crate) fn main_tag(id: u16) -> Option<&'static TagDef> {
    MAIN.iter().find(|d| d.id == id)
}

/// The tag of `id` in the GPS table.
pub(crate) fn gps_tag(id: u16) -> Option<&'static TagDef> {
    GPS.iter().find(|d| d.id == id)
}

/// The print conversion of an Exif or GPS tag known by its exiftool name, for
/// XMP properties that mirror Exif tags (XMP-exif, XMP-tiff, XMP-aux).
pub(crate) fn conv_by_name(name: &str) -> Option<Conv> {
    MAIN.iter()
        .chain(GPS)
        .find(|d| d.name == name)
        .map(|d| d.conv)
}

const ORIENTATION: &[(i64, &str)] = &[
    (1, "Horizontal (normal)"),
    (2, "Mirror horizontal"),
    (3, "Rotate 180"),
    (4, "Mirror vertical"),
    (5, "Mirror horizontal and rotate 270 CW"),
    (6, "Rotate 90 CW"),
    (7, "Mirror horizontal and rotate 90 CW"),
    (8, "Rotate 270 CW"),
];
const RESOLUTION_UNIT: &[(i64, &str)] = &[(1, "None"), (2, "inches"), (3, "cm")];
const FOCAL_PLANE_UNIT: &[(i64, &str)] =
    &[(1, "None"), (2, "inches"), (3, "cm"), (4, "mm"), (5, "um")];
const SUBFILE_TYPE: &[(i64, &str)] = &[
    (0, "Full-resolution image"),
    (1, "Reduced-resolution image"),
    (2, "Single page of multi-page image"),
    (3, "Single page of multi-page reduced-resolution image"),
    (4, "Transparency mask"),
    (5, "Transparency mask of reduced-resolution image"),
    (6, "Transparency mask of multi-page image"),
    (
        7,
        "Transparency mask of reduced-resolution multi-page image",
    ),
    (8, "Depth map"),
    (9, "Depth map of reduced-resolution image"),
    (16, "Enhanced image data"),
];
const OLD_SUBFILE_TYPE: &[(i64, &str)] = &[
    (1, "Full-resolution image"),
    (2, "Reduced-resolution image"),
    (3, "Single page of multi-page image"),
];
const COMPRESSION: &[(i64, &str)] = &[
    (1, "Uncompressed"),
    (2, "CCITT 1D"),
    (3, "T4/Group 3 Fax"),
    (4, "T6/Group 4 Fax"),
    (5, "LZW"),
    (6, "JPEG (old-style)"),
    (7, "JPEG"),
    (8, "Adobe Deflate"),
    (9, "JBIG B&W"),
    (10, "JBIG Color"),
    (99, "JPEG"),
    (262, "Kodak 262"),
    (32766, "Next"),
    (32767, "Sony ARW Compressed"),
    (32769, "Packed RAW"),
    (32770, "Samsung SRW Compressed"),
    (32771, "CCIRLEW"),
    (32772, "Samsung SRW Compressed 2"),
    (32773, "PackBits"),
    (32809, "Thunderscan"),
    (32867, "Kodak KDC Compressed"),
    (32895, "IT8CTPAD"),
    (32896, "IT8LW"),
    (32897, "IT8MP"),
    (32898, "IT8BL"),
    (32908, "PixarFilm"),
    (32909, "PixarLog"),
    (32946, "Deflate"),
    (32947, "DCS"),
    (33003, "Aperio JPEG 2000 YCbCr"),
    (33005, "Aperio JPEG 2000 RGB"),
    (34661, "JBIG"),
    (34676, "SGILog"),
    (34677, "SGILog24"),
    (34712, "JPEG 2000"),
    (34713, "Nikon NEF Compressed"),
    (34715, "JBIG2 TIFF FX"),
    (34887, "LERC"),
    (34892, "Lossy JPEG"),
    (34925, "LZMA2"),
    (50000, "ZSTD"),
    (50001, "WebP"),
    (52546, "JPEG XL"),
];
const PHOTOMETRIC: &[(i64, &str)] = &[
    (0, "WhiteIsZero"),
    (1, "BlackIsZero"),
    (2, "RGB"),
    (3, "RGB Palette"),
    (4, "Transparency Mask"),
    (5, "CMYK"),
    (6, "YCbCr"),
    (8, "CIELab"),
    (9, "ICCLab"),
    (10, "ITULab"),
    (32803, "Color Filter Array"),
    (32844, "Pixar LogL"),
    (32845, "Pixar LogLuv"),
    (32892, "Sequential Color Filter"),
    (34892, "Linear Raw"),
    (51177, "Depth Map"),
    (52527, "Semantic Mask"),
];
const THRESHOLDING: &[(i64, &str)] = &[
    (1, "No dithering or halftoning"),
    (2, "Ordered dither or halftone"),
    (3, "Randomized dither"),
];
const FILL_ORDER: &[(i64, &str)] = &[(1, "Normal"), (2, "Reversed")];
const PLANAR: &[(i64, &str)] = &[(1, "Chunky"), (2, "Planar")];
const PREDICTOR: &[(i64, &str)] = &[
    (1, "None"),
    (2, "Horizontal differencing"),
    (3, "Floating point"),
];
const EXTRA_SAMPLES: &[(i64, &str)] = &[
    (0, "Unspecified"),
    (1, "Associated Alpha"),
    (2, "Unassociated Alpha"),
];
const SAMPLE_FORMAT: &[(i64, &str)] = &[
    (1, "Unsigned"),
    (2, "Signed"),
    (3, "Float"),
    (4, "Undefined"),
    (5, "Complex int"),
    (6, "Complex float"),
];
const YCBCR_POSITIONING: &[(i64, &str)] = &[(1, "Centered"), (2, "Co-sited")];
const EXPOSURE_PROGRAM: &[(i64, &str)] = &[
    (0, "Not Defined"),
    (1, "Manual"),
    (2, "Program AE"),
    (3, "Aperture-priority AE"),
    (4, "Shutter speed priority AE"),
    (5, "Creative (Slow speed)"),
    (6, "Action (High speed)"),
    (7, "Portrait"),
    (8, "Landscape"),
    (9, "Bulb"),
];
const SENSITIVITY_TYPE: &[(i64, &str)] = &[
    (0, "Unknown"),
    (1, "Standard Output Sensitivity"),
    (2, "Recommended Exposure Index"),
    (3, "ISO Speed"),
    (
        4,
        "Standard Output Sensitivity and Recommended Exposure Index",
    ),
    (5, "Standard Output Sensitivity and ISO Speed"),
    (6, "Recommended Exposure Index and ISO Speed"),
    (
        7,
        "Standard Output Sensitivity, Recommended Exposure Index and ISO Speed",
    ),
];
const METERING_MODE: &[(i64, &str)] = &[
    (0, "Unknown"),
    (1, "Average"),
    (2, "Center-weighted average"),
    (3, "Spot"),
    (4, "Multi-spot"),
    (5, "Multi-segment"),
    (6, "Partial"),
    (255, "Other"),
];
const LIGHT_SOURCE: &[(i64, &str)] = &[
    (0, "Unknown"),
    (1, "Daylight"),
    (2, "Fluorescent"),
    (3, "Tungsten (Incandescent)"),
    (4, "Flash"),
    (9, "Fine Weather"),
    (10, "Cloudy"),
    (11, "Shade"),
    (12, "Daylight Fluorescent"),
    (13, "Day White Fluorescent"),
    (14, "Cool White Fluorescent"),
    (15, "White Fluorescent"),
    (16, "Warm White Fluorescent"),
    (17, "Standard Light A"),
    (18, "Standard Light B"),
    (19, "Standard Light C"),
    (20, "D55"),
    (21, "D65"),
    (22, "D75"),
    (23, "D50"),
    (24, "ISO Studio Tungsten"),
    (255, "Other"),
];
/// Exif 2.32 Flash bit patterns as exiftool spells them.
const FLASH: &[(i64, &str)] = &[
    (0x00, "No Flash"),
    (0x01, "Fired"),
    (0x05, "Fired, Return not detected"),
    (0x07, "Fired, Return detected"),
    (0x08, "On, Did not fire"),
    (0x09, "On, Fired"),
    (0x0d, "On, Return not detected"),
    (0x0f, "On, Return detected"),
    (0x10, "Off, Did not fire"),
    (0x14, "Off, Did not fire, Return not detected"),
    (0x18, "Auto, Did not fire"),
    (0x19, "Auto, Fired"),
    (0x1d, "Auto, Fired, Return not detected"),
    (0x1f, "Auto, Fired, Return detected"),
    (0x20, "No flash function"),
    (0x30, "Off, No flash function"),
    (0x41, "Fired, Red-eye reduction"),
    (0x45, "Fired, Red-eye reduction, Return not detected"),
    (0x47, "Fired, Red-eye reduction, Return detected"),
    (0x49, "On, Red-eye reduction"),
    (0x4d, "On, Red-eye reduction, Return not detected"),
    (0x4f, "On, Red-eye reduction, Return detected"),
    (0x50, "Off, Red-eye reduction"),
    (0x58, "Auto, Did not fire, Red-eye reduction"),
    (0x59, "Auto, Fired, Red-eye reduction"),
    (0x5d, "Auto, Fired, Red-eye reduction, Return not detected"),
    (0x5f, "Auto, Fired, Red-eye reduction, Return detected"),
];
const COLOR_SPACE: &[(i64, &str)] = &[
    (1, "sRGB"),
    (2, "Adobe RGB"),
    (0xfffd, "Wide Gamut RGB"),
    (0xfffe, "ICC Profile"),
    (0xffff, "Uncalibrated"),
];
const SENSING_METHOD: &[(i64, &str)] = &[
    (1, "Not defined"),
    (2, "One-chip color area"),
    (3, "Two-chip color area"),
    (4, "Three-chip color area"),
    (5, "Color sequential area"),
    (7, "Trilinear"),
    (8, "Color sequential linear"),
];
const FILE_SOURCE: &[(i64, &str)] = &[
    (1, "Film Scanner"),
    (2, "Reflection Print Scanner"),
    (3, "Digital Camera"),
];
const SCENE_TYPE: &[(i64, &str)] = &[(1, "Directly photographed")];
const CUSTOM_RENDERED: &[(i64, &str)] = &[
    (0, "Normal"),
    (1, "Custom"),
    (2, "HDR (no original saved)"),
    (3, "HDR (original saved)"),
    (4, "Original (for HDR)"),
    (6, "Panorama"),
    (7, "Portrait HDR"),
    (8, "Portrait"),
];
const EXPOSURE_MODE: &[(i64, &str)] = &[(0, "Auto"), (1, "Manual"), (2, "Auto bracket")];
const WHITE_BALANCE: &[(i64, &str)] = &[(0, "Auto"), (1, "Manual")];
const SCENE_CAPTURE: &[(i64, &str)] = &[
    (0, "Standard"),
    (1, "Landscape"),
    (2, "Portrait"),
    (3, "Night"),
    (4, "Other"),
];
const GAIN_CONTROL: &[(i64, &str)] = &[
    (0, "None"),
    (1, "Low gain up"),
    (2, "High gain up"),
    (3, "Low gain down"),
    (4, "High gain down"),
];
const NORMAL_LOW_HIGH: &[(i64, &str)] = &[(0, "Normal"), (1, "Low"), (2, "High")];
const SHARPNESS: &[(i64, &str)] = &[(0, "Normal"), (1, "Soft"), (2, "Hard")];
const DISTANCE_RANGE: &[(i64, &str)] =
    &[(0, "Unknown"), (1, "Macro"), (2, "Close"), (3, "Distant")];
const COMPOSITE_IMAGE: &[(i64, &str)] = &[
    (0, "Unknown"),
    (1, "Not a Composite Image"),
    (2, "General Composite Image"),
    (3, "Composite Image Captured While Shooting"),
];
const INTEROP_INDEX: &[(&str, &str)] = &[
    ("R03", "R03 - DCF option file (Adobe RGB)"),
    ("R98", "R98 - DCF basic file (sRGB)"),
    ("THM", "THM - DCF thumbnail file"),
];

const MAIN: &[TagDef] = &[
    t(0x0001, "InteropIndex", TextEnum(INTEROP_INDEX)),
    t(0x0002, "InteropVersion", Version),
    t(0x00fe, "SubfileType", Enum(SUBFILE_TYPE)),
    t(0x00ff, "OldSubfileType", Enum(OLD_SUBFILE_TYPE)),
    t(0x0100, "ImageWidth", Plain),
    t(0x0101, "ImageHeight", Plain),
    t(0x0102, "BitsPerSample", Plain),
    t(0x0103, "Compression", Enum(COMPRESSION)),
    t(0x0106, "PhotometricInterpretation", Enum(PHOTOMETRIC)),
    t(0x0107, "Thresholding", Enum(THRESHOLDING)),
    t(0x0108, "CellWidth", Plain),
    t(0x0109, "CellLength", Plain),
    t(0x010a, "FillOrder", Enum(FILL_ORDER)),
    t(0x010d, "DocumentName", Plain),
    t(0x010e, "ImageDescription", Plain),
    t(0x010f, "Make", Plain),
    t(0x0110, "Model", Plain),
    t(0x0112, "Orientation", Enum(ORIENTATION)),
    t(0x0115, "SamplesPerPixel", Plain),
    t(0x0116, "RowsPerStrip", Plain),
    t(0x0118, "MinSampleValue", Plain),
    t(0x0119, "MaxSampleValue", Plain),
    t(0x011a, "XResolution", Plain),
    t(0x011b, "YResolution", Plain),
    t(0x011c, "PlanarConfiguration", Enum(PLANAR)),
    t(0x011d, "PageName", Plain),
    t(0x011e, "XPosition", Plain),
    t(0x011f, "YPosition", Plain),
    t(0x0128, "ResolutionUnit", Enum(RESOLUTION_UNIT)),
    t(0x0129, "PageNumber", Plain),
    t(0x0131, "Software", Plain),
    t(0x0132, "ModifyDate", Plain),
    t(0x013b, "Artist", Plain),
    t(0x013c, "HostComputer", Plain),
    t(0x013d, "Predictor", Enum(PREDICTOR)),
    t(0x013e, "WhitePoint", Plain),
    t(0x013f, "PrimaryChromaticities", Plain),
    t(0x0142, "TileWidth", Plain),
    t(0x0143, "TileLength", Plain),
    t(0x0152, "ExtraSamples", Enum(EXTRA_SAMPLES)),
    t(0x0153, "SampleFormat", EnumEach(SAMPLE_FORMAT)),
    t(0x0211, "YCbCrCoefficients", Plain),
    t(0x0212, "YCbCrSubSampling", YCbCrSubSampling),
    t(0x0213, "YCbCrPositioning", Enum(YCBCR_POSITIONING)),
    t(0x0214, "ReferenceBlackWhite", Plain),
    t(0x1000, "RelatedImageFileFormat", Plain),
    t(0x1001, "RelatedImageWidth", Plain),
    t(0x1002, "RelatedImageHeight", Plain),
    t(0x4746, "Rating", Plain),
    t(0x4749, "RatingPercent", Plain),
    t(0x8298, "Copyright", Plain),
    t(0x9c9b, "XPTitle", Utf16Le),
    t(0x9c9c, "XPComment", Utf16Le),
    t(0x9c9d, "XPAuthor", Utf16Le),
    t(0x9c9e, "XPKeywords", Utf16Le),
    t(0x9c9f, "XPSubject", Utf16Le),
    t(0x829a, "ExposureTime", ExposureTime),
    t(0x829d, "FNumber", FNumber),
    t(0x8822, "ExposureProgram", Enum(EXPOSURE_PROGRAM)),
    t(0x8824, "SpectralSensitivity", Plain),
    t(0x8827, "ISO", Plain),
    t(0x8830, "SensitivityType", Enum(SENSITIVITY_TYPE)),
    t(0x8831, "StandardOutputSensitivity", Plain),
    t(0x8832, "RecommendedExposureIndex", Plain),
    t(0x8833, "ISOSpeed", Plain),
    t(0x8834, "ISOSpeedLatitudeyyy", Plain),
    t(0x8835, "ISOSpeedLatitudezzz", Plain),
    t(0x9000, "ExifVersion", Version),
    t(0x9003, "DateTimeOriginal", Plain),
    t(0x9004, "CreateDate", Plain),
    t(0x9010, "OffsetTime", Plain),
    t(0x9011, "OffsetTimeOriginal", Plain),
    t(0x9012, "OffsetTimeDigitized", Plain),
    t(0x9101, "ComponentsConfiguration", ComponentsConfiguration),
    t(0x9102, "CompressedBitsPerPixel", Plain),
    t(0x9201, "ShutterSpeedValue", ApexShutter),
    t(0x9202, "ApertureValue", ApexAperture),
    t(0x9203, "BrightnessValue", Plain),
    t(0x9204, "ExposureCompensation", Fraction),
    t(0x9205, "MaxApertureValue", ApexAperture),
    t(0x9206, "SubjectDistance", Metres),
    t(0x9207, "MeteringMode", Enum(METERING_MODE)),
    t(0x9208, "LightSource", Enum(LIGHT_SOURCE)),
    t(0x9209, "Flash", EnumHex(FLASH)),
    t(0x920a, "FocalLength", FocalLength),
    t(0x9214, "SubjectArea", Plain),
    t(0x9286, "UserComment", EncodedText),
    t(0x9290, "SubSecTime", Plain),
    t(0x9291, "SubSecTimeOriginal", Plain),
    t(0x9292, "SubSecTimeDigitized", Plain),
    t(0x9400, "AmbientTemperature", Plain),
    t(0x9401, "Humidity", Plain),
    t(0x9402, "Pressure", Plain),
    t(0x9403, "WaterDepth", Plain),
    t(0x9404, "Acceleration", Plain),
    t(0x9405, "CameraElevationAngle", Plain),
    t(0xa000, "FlashpixVersion", Version),
    t(0xa001, "ColorSpace", Enum(COLOR_SPACE)),
    t(0xa002, "ExifImageWidth", Plain),
    t(0xa003, "ExifImageHeight", Plain),
    t(0xa004, "RelatedSoundFile", Plain),
    t(0xa20b, "FlashEnergy", Plain),
    t(0xa20e, "FocalPlaneXResolution", Plain),
    t(0xa20f, "FocalPlaneYResolution", Plain),
    t(0xa210, "FocalPlaneResolutionUnit", Enum(FOCAL_PLANE_UNIT)),
    t(0xa214, "SubjectLocation", Plain),
    t(0xa215, "ExposureIndex", Plain),
    t(0xa217, "SensingMethod", Enum(SENSING_METHOD)),
    t(0xa300, "FileSource", ByteEnum(FILE_SOURCE)),
    t(0xa301, "SceneType", ByteEnum(SCENE_TYPE)),
    t(0xa401, "CustomRendered", Enum(CUSTOM_RENDERED)),
    t(0xa402, "ExposureMode", Enum(EXPOSURE_MODE)),
    t(0xa403, "WhiteBalance", Enum(WHITE_BALANCE)),
    t(0xa404, "DigitalZoomRatio", Plain),
    t(0xa405, "FocalLengthIn35mmFormat", Millimetres),
    t(0xa406, "SceneCaptureType", Enum(SCENE_CAPTURE)),
    t(0xa407, "GainControl", Enum(GAIN_CONTROL)),
    t(0xa408, "Contrast", Enum(NORMAL_LOW_HIGH)),
    t(0xa409, "Saturation", Enum(NORMAL_LOW_HIGH)),
    t(0xa40a, "Sharpness", Enum(SHARPNESS)),
    t(0xa40c, "SubjectDistanceRange", Enum(DISTANCE_RANGE)),
    t(0xa420, "ImageUniqueID", Plain),
    t(0xa430, "OwnerName", Plain),
    t(0xa431, "SerialNumber", Plain),
    t(0xa432, "LensInfo", LensInfo),
    t(0xa433, "LensMake", Plain),
    t(0xa434, "LensModel", Plain),
    t(0xa435, "LensSerialNumber", Plain),
    t(0xa460, "CompositeImage", Enum(COMPOSITE_IMAGE)),
    t(0xa500, "Gamma", Plain),
    t(0xea1d, "OffsetSchema", Plain),
];

const LAT_REF: &[(&str, &str)] = &[("N", "North"), ("S", "South")];
const LON_REF: &[(&str, &str)] = &[("E", "East"), ("W", "West")];
const ALT_REF: &[(i64, &str)] = &[(0, "Above Sea Level"), (1, "Below Sea Level")];
const STATUS: &[(&str, &str)] = &[("A", "Measurement Active"), ("V", "Measurement Void")];
const MEASURE_MODE: &[(&str, &str)] = &[
    ("2", "2-Dimensional Measurement"),
    ("3", "3-Dimensional Measurement"),
];
const SPEED_REF: &[(&str, &str)] = &[("K", "km/h"), ("M", "mph"), ("N", "knots")];
const DIRECTION_REF: &[(&str, &str)] = &[("M", "Magnetic North"), ("T", "True North")];
const DISTANCE_REF: &[(&str, &str)] =
    &[("K", "Kilometers"), ("M", "Miles"), ("N", "Nautical Miles")];
const DIFFERENTIAL: &[(i64, &str)] = &[(0, "No Correction"), (1, "Differential Corrected")];

const GPS: &[TagDef] = &[
    t(0x0000, "GPSVersionID", Dotted),
    t(0x0001, "GPSLatitudeRef", TextEnum(LAT_REF)),
    t(0x0002, "GPSLatitude", Dms),
    t(0x0003, "GPSLongitudeRef", TextEnum(LON_REF)),
    t(0x0004, "GPSLongitude", Dms),
    t(0x0005, "GPSAltitudeRef", Enum(ALT_REF)),
    t(0x0006, "GPSAltitude", Altitude),
    t(0x0007, "GPSTimeStamp", TimeStamp),
    t(0x0008, "GPSSatellites", Plain),
    t(0x0009, "GPSStatus", TextEnum(STATUS)),
    t(0x000a, "GPSMeasureMode", TextEnum(MEASURE_MODE)),
    t(0x000b, "GPSDOP", Plain),
    t(0x000c, "GPSSpeedRef", TextEnum(SPEED_REF)),
    t(0x000d, "GPSSpeed", Plain),
    t(0x000e, "GPSTrackRef", TextEnum(DIRECTION_REF)),
    t(0x000f, "GPSTrack", Plain),
    t(0x0010, "GPSImgDirectionRef", TextEnum(DIRECTION_REF)),
    t(0x0011, "GPSImgDirection", Plain),
    t(0x0012, "GPSMapDatum", Plain),
    t(0x0013, "GPSDestLatitudeRef", TextEnum(LAT_REF)),
    t(0x0014, "GPSDestLatitude", Dms),
    t(0x0015, "GPSDestLongitudeRef", TextEnum(LON_REF)),
    t(0x0016, "GPSDestLongitude", Dms),
    t(0x0017, "GPSDestBearingRef", TextEnum(DIRECTION_REF)),
    t(0x0018, "GPSDestBearing", Plain),
    t(0x0019, "GPSDestDistanceRef", TextEnum(DISTANCE_REF)),
    t(0x001a, "GPSDestDistance", Plain),
    t(0x001b, "GPSProcessingMethod", EncodedText),
    t(0x001c, "GPSAreaInformation", EncodedText),
    t(0x001d, "GPSDateStamp", Plain),
    t(0x001e, "GPSDifferential", Enum(DIFFERENTIAL)),
    t(0x001f, "GPSHPositioningError", Metres),
];

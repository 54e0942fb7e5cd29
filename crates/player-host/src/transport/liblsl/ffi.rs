//! liblsl's C types as its header `lsl_c.h` declares them (the same as lsl-sys's), for a
//! build without the bundled liblsl. Compiled in tests of every build, where they are
//! checked against lsl-sys's.
#![allow(non_camel_case_types, non_upper_case_globals, missing_docs, dead_code)]

/// `lsl_channel_format_t`: the C enum, as an unsigned int.
pub type lsl_channel_format_t = std::ffi::c_uint;
pub const lsl_channel_format_t_cft_float32: lsl_channel_format_t = 1;
pub const lsl_channel_format_t_cft_double64: lsl_channel_format_t = 2;
pub const lsl_channel_format_t_cft_string: lsl_channel_format_t = 3;
pub const lsl_channel_format_t_cft_int32: lsl_channel_format_t = 4;
pub const lsl_channel_format_t_cft_int16: lsl_channel_format_t = 5;
pub const lsl_channel_format_t_cft_int8: lsl_channel_format_t = 6;
pub const lsl_channel_format_t_cft_int64: lsl_channel_format_t = 7;

/// Declares opaque C structs and the pointer types liblsl hands out for them.
macro_rules! opaque {
    ($($ptr:ident => $name:ident),*) => {$(
        #[repr(C)]
        #[derive(Debug)]
        pub struct $name {
            _private: [u8; 0],
        }
        pub type $ptr = *mut $name;
    )*};
}
opaque!(
    lsl_streaminfo => lsl_streaminfo_struct_,
    lsl_outlet => lsl_outlet_struct_,
    lsl_xml_ptr => lsl_xml_ptr_struct_
);

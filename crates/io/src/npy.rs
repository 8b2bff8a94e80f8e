//! NumPy `.npy` arrays (C order, little-endian) through the `npyz` crate.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let p = dir.path().join("m.npy");
//! geosparse_io::npy::write_f32(&p, &[2, 2], &[1., 0., 0., 1.]).unwrap();
//! let (shape, v) = geosparse_io::npy::read_f32(&p).unwrap();
//! assert_eq!((shape, v), (vec![2, 2], vec![1., 0., 0., 1.]));
//! ```

use crate::{IoError, atomic_write};
use npyz::WriterBuilder;
use std::path::Path;

/// Serialises an f32 array of `shape` to `.npy` bytes.
pub fn to_bytes_f32(shape: &[usize], data: &[f32]) -> std::io::Result<Vec<u8>> {
    assert_eq!(shape.iter().product::<usize>(), data.len(), "npy shape and data length differ");
    let mut buf = Vec::with_capacity(data.len() * 4 + 128);
    let shape_u64: Vec<u64> = shape.iter().map(|&s| s as u64).collect();
    let mut w = npyz::WriteOptions::new().default_dtype().shape(&shape_u64).writer(&mut buf).begin_nd()?;
    w.extend(data.iter().copied())?;
    w.finish()?;
    Ok(buf)
}

/// Writes an f32 array atomically.
pub fn write_f32(path: &Path, shape: &[usize], data: &[f32]) -> Result<(), IoError> {
    let bytes = to_bytes_f32(shape, data).map_err(|e| IoError::io(path, e))?;
    atomic_write(path, &bytes)
}

/// Reads a numeric `.npy` array (any float or integer dtype) as f32, with its shape.
/// Fortran-ordered arrays are transposed into C order.
pub fn read_f32(path: &Path) -> Result<(Vec<usize>, Vec<f32>), IoError> {
    let bytes = std::fs::read(path).map_err(|e| IoError::io(path, e))?;
    let npy = npyz::NpyFile::new(&bytes[..])
        .map_err(|e| IoError::format(path, format!("not a valid .npy file ({e})")))?;
    let shape: Vec<usize> = npy.shape().iter().map(|&s| s as usize).collect();
    let order = npy.order();
    let dtype = npy.dtype();
    let type_str = match &dtype {
        npyz::DType::Plain(ts) => ts.to_string(),
        _ => return Err(IoError::format(path, "structured arrays are not supported; save a plain numeric array")),
    };
    let bad = |e: std::io::Error| IoError::format(path, format!("cannot read data ({e})"));
    let code = &type_str[1..];
    let data: Vec<f32> = match code {
        "f4" => npy.into_vec::<f32>().map_err(bad)?,
        "f8" => npy.into_vec::<f64>().map_err(bad)?.into_iter().map(|x| x as f32).collect(),
        "i8" => npy.into_vec::<i64>().map_err(bad)?.into_iter().map(|x| x as f32).collect(),
        "i4" => npy.into_vec::<i32>().map_err(bad)?.into_iter().map(|x| x as f32).collect(),
        _ => {
            return Err(IoError::format(
                path,
                format!("dtype {type_str} is not supported; use float32, float64, int32 or int64"),
            ));
        }
    };
    let data = if order == npyz::Order::Fortran && shape.len() == 2 {
        let (r, c) = (shape[0], shape[1]);
        let mut t = vec![0.0f32; data.len()];
        for i in 0..r {
            for j in 0..c {
                t[i * c + j] = data[j * r + i];
            }
        }
        t
    } else if order == npyz::Order::Fortran && shape.len() > 2 {
        return Err(IoError::format(path, "Fortran-ordered arrays of more than 2 dimensions are not supported"));
    } else {
        data
    };
    Ok((shape, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_numpy_compatible() {
        let b = to_bytes_f32(&[2, 3], &[0.0; 6]).unwrap();
        assert_eq!(&b[..6], b"\x93NUMPY");
        let header = String::from_utf8_lossy(&b[10..]);
        assert!(header.contains("'descr': '<f4'"), "{header}");
        assert!(header.contains("'shape': (2, 3,"), "{header}");
        assert_eq!((b.len() - 6 * 4) % 64, 0);
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("bad.npy");
        std::fs::write(&p, b"definitely not numpy").unwrap();
        let e = read_f32(&p).unwrap_err().to_string();
        assert!(e.contains("bad.npy") && e.contains("not a valid .npy"), "{e}");
    }
}

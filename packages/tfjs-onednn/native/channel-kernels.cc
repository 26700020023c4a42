// wasm's broadcasting loops walk every element with index arithmetic: a [N, H, W, C] tensor times a per-channel [C]
// vector (batch-norm statistics and their gradients) runs 5× slower there than a same-shape product. Here a row of C
// values at a time, vectorised by the compiler for the CPU the addon is built on, split over OpenMP threads by rows
// (each output written by one thread: same bytes with any thread count).
#include "kd_onednn.h"

namespace kd_onednn {

// channelBinary(heap, op, full, channel, out, total, channels, channelIsLeft): out = full ∘ channel (or channel ∘ full)
// with op 0 multiply, 1 add, 2 subtract.
napi_value ChannelBinary_(napi_env env, napi_callback_info info) {
  HeapArgs a;
  if (!readHeapArgs(env, info, 7, &a)) return throwError(env, "channelBinary: bad arguments");
  const int op = static_cast<int>(a.n[0]);
  const int64_t total = a.integer(4), channels = a.integer(5);
  const bool left = a.n[6] != 0;
  const float *x = a.tensor(1, total), *c = a.tensor(2, channels);
  float* y = a.tensor(3, total);
  if (channels <= 0 || total % channels != 0 || !a.ok)
    return throwError(env, "channelBinary: bad sizes or a tensor outside the heap");
  const int64_t rows = total / channels;
#pragma omp parallel for schedule(static) if (total >= kParallelFrom)
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * channels;
    float* yr = y + r * channels;
    if (op == 0)
      for (int64_t k = 0; k < channels; k++) yr[k] = xr[k] * c[k];
    else if (op == 1)
      for (int64_t k = 0; k < channels; k++) yr[k] = xr[k] + c[k];
    else if (left)
      for (int64_t k = 0; k < channels; k++) yr[k] = c[k] - xr[k];
    else
      for (int64_t k = 0; k < channels; k++) yr[k] = xr[k] - c[k];
  }
  return nullptr;
}

// channelSum(heap, x, out, total, channels, divisor): out[k] = Σ over rows of x[row, k] / divisor — a sum (divisor 1)
// or mean over every axis but the last (batch-norm statistics and their gradients). Rows are cut into a fixed number
// of chunks whatever the thread count, each chunk summed on one thread, and the chunks added in order: the same
// bits with any number of threads.
napi_value ChannelSum_(napi_env env, napi_callback_info info) {
  HeapArgs a;
  if (!readHeapArgs(env, info, 5, &a)) return throwError(env, "channelSum: bad arguments");
  const int64_t total = a.integer(2), channels = a.integer(3);
  const float* x = a.tensor(0, total);
  float* y = a.tensor(1, channels);
  if (channels <= 0 || total % channels != 0 || !a.ok) return throwError(env, "channelSum: bad sizes or a tensor outside the heap");
  const float divisor = static_cast<float>(a.n[4]);
  const int64_t rows = total / channels;
  const int64_t chunks = std::min<int64_t>(64, rows);
  std::unique_ptr<float[]> partial(new float[chunks * channels]());
#pragma omp parallel for schedule(static) if (total >= kParallelFrom)
  for (int64_t c = 0; c < chunks; c++) {
    float* p = partial.get() + c * channels;
    for (int64_t r = rows * c / chunks; r < rows * (c + 1) / chunks; r++) {
      const float* xr = x + r * channels;
      for (int64_t k = 0; k < channels; k++) p[k] += xr[k];
    }
  }
  for (int64_t k = 0; k < channels; k++) y[k] = 0.f;
  for (int64_t c = 0; c < chunks; c++)
    for (int64_t k = 0; k < channels; k++) y[k] += partial[c * channels + k];
  if (divisor != 1.f)
    for (int64_t k = 0; k < channels; k++) y[k] /= divisor;
  return nullptr;
}

// out[r,k] = a[r,k]·m[k] + (b[r,k] − shift[k])·q[k] + add[k]  (b null: (a[r,k] − shift[k])·m[k] + add[k]).
void channelAffine(const float* a, const float* b, const float* shift, const float* m, const float* q, const float* add,
                   float* out, int64_t rows, int64_t channels) {
#pragma omp parallel for schedule(static) if (rows * channels >= kParallelFrom)
  for (int64_t r = 0; r < rows; r++) {
    const float* ar = a + r * channels;
    float* yr = out + r * channels;
    if (b) {
      const float* br = b + r * channels;
      for (int64_t k = 0; k < channels; k++) yr[k] = ar[k] * m[k] + (br[k] - shift[k]) * q[k] + add[k];
    } else {
      for (int64_t k = 0; k < channels; k++) yr[k] = (ar[k] - shift[k]) * m[k] + add[k];
    }
  }
}

// batchNorm(heap, x, mean, variance, offset (-1: none), scale (-1: none), epsilon, out, total, channels):
// out = (x − mean) · scale / √(variance + ε) + offset, per channel, as tfjs's FusedBatchNorm.
napi_value BatchNorm_(napi_env env, napi_callback_info info) {
  HeapArgs a;
  if (!readHeapArgs(env, info, 9, &a)) return throwError(env, "batchNorm: bad arguments");
  const int64_t total = a.integer(7), channels = a.integer(8);
  const float *x = a.tensor(0, total), *mean = a.tensor(1, channels), *var = a.tensor(2, channels);
  const float *offset = a.tensor(3, channels, true), *scale = a.tensor(4, channels, true);
  const float eps = static_cast<float>(a.n[5]);
  float* y = a.tensor(6, total);
  if (channels <= 0 || total % channels != 0 || !a.ok) return throwError(env, "batchNorm: bad sizes or a tensor outside the heap");
  std::unique_ptr<float[]> mul(new float[channels]), add(new float[channels]);
  for (int64_t k = 0; k < channels; k++) {
    mul[k] = (scale ? scale[k] : 1.f) / std::sqrt(var[k] + eps);
    add[k] = offset ? offset[k] : 0.f;
  }
  channelAffine(x, nullptr, mean, mul.get(), nullptr, add.get(), y, total / channels, channels);
  return nullptr;
}

}  // namespace kd_onednn

// tfjs-layers builds a training batch norm from some twenty kernels (moments, normalisation, and the gradient of
// each); PyTorch runs it as one forward and one backward call. These are those two calls. Statistics are summed in
// double over a fixed number of row chunks, added in order: the same bits with any thread count.
#include "kd_onednn.h"

namespace kd_onednn {

// Per-channel sums of f(row) over all rows, in fixed chunks: s1[k] = Σ a[r,k], s2[k] = Σ a[r,k]·(b[r,k] − shift[k]) or,
// without b, Σ (a[r,k] − shift[k])². Both in double.
static void channelMoments(const float* a, const float* b, const float* shift, int64_t rows, int64_t channels, double* s1,
                    double* s2) {
  const int64_t chunks = std::min<int64_t>(64, rows);
  std::unique_ptr<double[]> p1(new double[chunks * channels]()), p2(new double[chunks * channels]());
#pragma omp parallel for schedule(static) if (rows * channels >= kParallelFrom)
  for (int64_t c = 0; c < chunks; c++) {
    double* q1 = p1.get() + c * channels;
    double* q2 = p2.get() + c * channels;
    for (int64_t r = rows * c / chunks; r < rows * (c + 1) / chunks; r++) {
      const float* ar = a + r * channels;
      if (b) {
        const float* br = b + r * channels;
        for (int64_t k = 0; k < channels; k++) {
          q1[k] += ar[k];
          q2[k] += static_cast<double>(ar[k]) * (br[k] - shift[k]);
        }
      } else {
        for (int64_t k = 0; k < channels; k++) {
          const float d = ar[k] - shift[k];
          q1[k] += ar[k];
          q2[k] += static_cast<double>(d) * d;
        }
      }
    }
  }
  for (int64_t k = 0; k < channels; k++) s1[k] = s2[k] = 0;
  for (int64_t c = 0; c < chunks; c++)
    for (int64_t k = 0; k < channels; k++) {
      s1[k] += p1[c * channels + k];
      s2[k] += p2[c * channels + k];
    }
}

// batchNormTraining(heap, x, scale (-1: none), offset (-1: none), epsilon, y, mean, variance, total, channels):
// the batch's mean and biased variance per channel, and y = (x − mean) · scale / √(variance + ε) + offset.
// The variance is Σ(x − shift)²/n − (mean − shift)² around a per-channel shift (the first row), so that a large
// mean does not cancel it away.
napi_value BatchNormTraining_(napi_env env, napi_callback_info info) {
  HeapArgs a;
  if (!readHeapArgs(env, info, 9, &a)) return throwError(env, "batchNormTraining: bad arguments");
  const int64_t total = a.integer(7), channels = a.integer(8);
  const float *x = a.tensor(0, total), *scale = a.tensor(1, channels, true), *offset = a.tensor(2, channels, true);
  const double eps = a.n[3];
  float *y = a.tensor(4, total), *mean = a.tensor(5, channels), *var = a.tensor(6, channels);
  if (channels <= 0 || total % channels != 0 || !a.ok)
    return throwError(env, "batchNormTraining: bad sizes or a tensor outside the heap");
  const int64_t rows = total / channels;
  std::unique_ptr<double[]> s1(new double[channels]), s2(new double[channels]);
  std::unique_ptr<float[]> m(new float[channels]), add(new float[channels]);
  channelMoments(x, nullptr, x, rows, channels, s1.get(), s2.get());
  for (int64_t k = 0; k < channels; k++) {
    const double d = s1[k] / rows - x[k];  // mean − shift
    const double vk = std::max(0.0, s2[k] / rows - d * d);
    mean[k] = static_cast<float>(x[k] + d);
    var[k] = static_cast<float>(vk);
    m[k] = static_cast<float>((scale ? scale[k] : 1.0) / std::sqrt(vk + eps));
    add[k] = offset ? offset[k] : 0.f;
  }
  channelAffine(x, nullptr, mean, m.get(), nullptr, add.get(), y, rows, channels);
  return nullptr;
}

// batchNormTrainingGrad(heap, dy, x, scale (-1), mean, variance, dMean (-1), dVariance (-1), epsilon, dx, dScale,
// dOffset, total, channels): the gradient of batchNormTraining through its three outputs. With σ̂ = 1/√(var + ε),
// Σdy and Σdy·(x − mean) per channel:
//   dx = scale·σ̂·dy + (x − mean)·(2·dVar − scale·σ̂³·Σdy(x − mean))/n + (dMean − scale·σ̂·Σdy)/n
//   dScale = σ̂·Σdy(x − mean),  dOffset = Σdy.
napi_value BatchNormTrainingGrad_(napi_env env, napi_callback_info info) {
  HeapArgs a;
  if (!readHeapArgs(env, info, 13, &a)) return throwError(env, "batchNormTrainingGrad: bad arguments");
  const int64_t total = a.integer(11), channels = a.integer(12);
  const float *dy = a.tensor(0, total), *x = a.tensor(1, total), *scale = a.tensor(2, channels, true);
  const float *mean = a.tensor(3, channels), *var = a.tensor(4, channels);
  const float *dMean = a.tensor(5, channels, true), *dVar = a.tensor(6, channels, true);
  const double eps = a.n[7];
  float *dx = a.tensor(8, total), *dScale = a.tensor(9, channels), *dOffset = a.tensor(10, channels);
  if (channels <= 0 || total % channels != 0 || !a.ok)
    return throwError(env, "batchNormTrainingGrad: bad sizes or a tensor outside the heap");
  const int64_t rows = total / channels;
  std::unique_ptr<double[]> sdy(new double[channels]), sdyx(new double[channels]);
  channelMoments(dy, x, mean, rows, channels, sdy.get(), sdyx.get());
  std::unique_ptr<float[]> m(new float[channels]), q(new float[channels]), add(new float[channels]);
  for (int64_t k = 0; k < channels; k++) {
    const double inv = 1.0 / std::sqrt(static_cast<double>(var[k]) + eps);
    const double g = scale ? scale[k] : 1.0;
    m[k] = static_cast<float>(g * inv);
    q[k] = static_cast<float>((2.0 * (dVar ? dVar[k] : 0.0) - g * inv * inv * inv * sdyx[k]) / rows);
    add[k] = static_cast<float>(((dMean ? dMean[k] : 0.0) - g * inv * sdy[k]) / rows);
    dScale[k] = static_cast<float>(inv * sdyx[k]);
    dOffset[k] = static_cast<float>(sdy[k]);
  }
  channelAffine(dy, x, mean, m.get(), q.get(), add.get(), dx, rows, channels);
  return nullptr;
}

}  // namespace kd_onednn

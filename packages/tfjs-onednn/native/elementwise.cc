#include "kd_onednn.h"

namespace kd_onednn {

// relu(heap, x, y, n): y = max(x, +0) with NaN passed through (wasm's bits: −0 gives +0), on the OpenMP threads.
// reluGrad(heap, dy, x, dx, n): dx = dy · step(x), written as tfjs-core's product (−0 and NaN as it gives them).
napi_value Relu_(napi_env env, napi_callback_info info) {
  HeapArgs a;
  if (!readHeapArgs(env, info, 3, &a)) return throwError(env, "relu: bad arguments");
  const int64_t n = a.integer(2);
  const float* x = a.tensor(0, n);
  float* y = a.tensor(1, n);
  if (!a.ok) return throwError(env, "relu: a tensor outside the heap");
#pragma omp parallel for schedule(static) if (n >= kParallelFrom)
  for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0.f ? x[i] : (x[i] != x[i] ? x[i] : 0.f);
  return nullptr;
}

napi_value ReluGrad_(napi_env env, napi_callback_info info) {
  HeapArgs a;
  if (!readHeapArgs(env, info, 4, &a)) return throwError(env, "reluGrad: bad arguments");
  const int64_t n = a.integer(3);
  const float *dy = a.tensor(0, n), *x = a.tensor(1, n);
  float* dx = a.tensor(2, n);
  if (!a.ok) return throwError(env, "reluGrad: a tensor outside the heap");
#pragma omp parallel for schedule(static) if (n >= kParallelFrom)
  for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * (x[i] > 0.f ? 1.f : (x[i] != x[i] ? x[i] : 0.f));
  return nullptr;
}

// binary(heap, op, a, b, out, n): out = a ∘ b for two tensors of one shape, op 0 multiply, 1 add, 2 subtract, on the
// OpenMP threads (residual connections, the gradients the tape sums where a tensor feeds two layers). One float
// operation per element: IEEE's bits, as wasm's.
napi_value Binary_(napi_env env, napi_callback_info info) {
  HeapArgs a;
  if (!readHeapArgs(env, info, 5, &a)) return throwError(env, "binary: bad arguments");
  const int op = static_cast<int>(a.n[0]);
  const int64_t n = a.integer(4);
  const float *p = a.tensor(1, n), *q = a.tensor(2, n);
  float* y = a.tensor(3, n);
  if (op < 0 || op > 2 || !a.ok) return throwError(env, "binary: bad operation or a tensor outside the heap");
  if (op == 0) {
#pragma omp parallel for schedule(static) if (n >= kParallelFrom)
    for (int64_t i = 0; i < n; i++) y[i] = p[i] * q[i];
  } else if (op == 1) {
#pragma omp parallel for schedule(static) if (n >= kParallelFrom)
    for (int64_t i = 0; i < n; i++) y[i] = p[i] + q[i];
  } else {
#pragma omp parallel for schedule(static) if (n >= kParallelFrom)
    for (int64_t i = 0; i < n; i++) y[i] = p[i] - q[i];
  }
  return nullptr;
}

}  // namespace kd_onednn

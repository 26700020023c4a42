// Matrix products on oneDNN's sgemm: its blocked AVX-512 kernels and OpenMP threads, where tfjs-backend-wasm's own
// BatchMatMul ran [64, 128] · [128, 60 000] at about 4.6 GFLOP/s on one thread (CRD's scores against its memory bank).
#include "kd_onednn.h"

namespace kd_onednn {

// matMul(heap, a, b, out, batch, m, n, k, transposeA, transposeB): for each of `batch` pairs, out = op(a) · op(b),
// row-major, op(a) m × k and op(b) k × n; a transposed operand is stored as its transpose (k × m, n × k).
napi_value MatMul_(napi_env env, napi_callback_info info) {
  HeapArgs a;
  if (!readHeapArgs(env, info, 9, &a)) return throwError(env, "matMul: bad arguments");
  const int64_t batch = a.integer(3), m = a.integer(4), n = a.integer(5), k = a.integer(6);
  const bool ta = a.n[7] != 0, tb = a.n[8] != 0;
  if (batch < 1 || m < 1 || n < 1 || k < 1) return throwError(env, "matMul: sizes must be positive");
  const float* x = a.tensor(0, batch * m * k);
  const float* y = a.tensor(1, batch * k * n);
  float* z = a.tensor(2, batch * m * n);
  if (!a.ok) return throwError(env, "matMul: a tensor outside the heap");
  for (int64_t i = 0; i < batch; i++) {
    // beta 0: sgemm writes the output without reading it (tfjs hands over uninitialised memory)
    const dnnl_status_t s = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.f, x + i * m * k, ta ? m : k,
                                       y + i * k * n, tb ? k : n, 0.f, z + i * m * n, n);
    if (s != dnnl_success) return throwError(env, "matMul: oneDNN's sgemm failed");
  }
  return nullptr;
}

}  // namespace kd_onednn

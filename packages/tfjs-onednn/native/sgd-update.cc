#include "kd_onednn.h"

namespace kd_onednn {

// sgdUpdate(heap, v, grad, buf (-1: no momentum), lr, momentum, weightDecay, nesterov, first, vOut, bufOut, n): one
// parameter's SGD update (PyTorch's semantics) with the rounding steps of the op chain it replaces in @kd/core's
// Optimizer — g = grad + v·wd; buf = m·buf + g (first update: g); g = nesterov ? g + m·buf : buf; v = v − lr·g —
// each product and sum rounded to float (no contraction: this file is built in ISO C++ mode), so the same bits.
napi_value SgdUpdate_(napi_env env, napi_callback_info info) {
  HeapArgs a;
  if (!readHeapArgs(env, info, 11, &a)) return throwError(env, "sgdUpdate: bad arguments");
  const int64_t n = a.integer(10);
  const bool momentum = a.n[2] >= 0;
  const float *v = a.tensor(0, n), *grad = a.tensor(1, n), *buf = a.tensor(2, n, true);
  float *vOut = a.tensor(8, n), *bufOut = a.tensor(9, n, !momentum);
  if (!a.ok) return throwError(env, "sgdUpdate: bad sizes or a tensor outside the heap");
  const float lr = static_cast<float>(a.n[3]), m = static_cast<float>(a.n[4]), wd = static_cast<float>(a.n[5]);
  const bool nesterov = a.n[6] != 0, first = a.n[7] != 0;
  for (int64_t i = 0; i < n; i++) {
    float g = grad[i];
    if (wd != 0.f) {
      const float d = v[i] * wd;
      g = g + d;
    }
    if (momentum) {
      float b = g;
      if (!first) {
        const float mb = buf[i] * m;
        b = mb + g;
      }
      bufOut[i] = b;
      if (nesterov) {
        const float mb = b * m;
        g = g + mb;
      } else {
        g = b;
      }
    }
    const float step = g * lr;
    vOut[i] = v[i] - step;
  }
  return nullptr;
}

}  // namespace kd_onednn

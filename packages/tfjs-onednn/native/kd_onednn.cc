// oneDNN convolutions for TensorFlow.js's wasm backend in Node.js.
//
// Tensors stay where tfjs-backend-wasm keeps them, in the wasm heap: each call gets the heap (a Uint8Array over the
// wasm memory, plain or shared) and byte offsets, and oneDNN reads and writes there directly — no copies. Activations
// are NHWC (tfjs's layout, which oneDNN's AVX-512 kernels take as is); filters HWIO are reordered to whatever layout
// the chosen kernel wants, and a filter gradient back to HWIO.
//
// One primitive per (operation, geometry), kept for the life of the process: a training step calls the same few
// dozen geometries over and over, and building a primitive costs far more than running a small one.
#include <node_api.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

engine& cpu() {
  static engine e(engine::kind::cpu, 0);
  return e;
}
stream& strm() {
  static stream s(cpu());
  return s;
}

// Geometry of one 2-D convolution, NHWC, as tfjs's computeConv2DInfo gives it (dilations ≥ 1, tfjs style).
// groups > 1: a grouped convolution; tfjs's depthwise convolutions are groups = C, the filter [kh, kw, C, M] being
// oneDNN's hwigo with one input channel per group.
struct Geometry {
  int64_t n, h, w, c, kh, kw, o, oh, ow, sh, sw, dh, dw, pt, pl, groups;
  memory::dims src() const { return {n, c, h, w}; }
  memory::dims wei() const {
    return groups == 1 ? memory::dims{o, c, kh, kw} : memory::dims{groups, o / groups, c / groups, kh, kw};
  }
  tag userTag() const { return groups == 1 ? tag::hwio : tag::hwigo; }
  int64_t weiSize() const { return kh * kw * (c / groups) * o; }
  memory::dims dst() const { return {n, o, oh, ow}; }
  memory::dims strides() const { return {sh, sw}; }
  memory::dims dilates() const { return {dh - 1, dw - 1}; }  // oneDNN counts the gaps, tfjs the step
  memory::dims padL() const { return {pt, pl}; }
  memory::dims padR() const {
    // Derived from the output size rather than taken from tfjs: exactly what the output reads — negative where a
    // 'valid' convolution leaves input rows unread, or where tfjs's numeric padding with a rounding mode sizes the
    // output smaller than the arithmetic would; tfjs's own bottom/right padding can also exceed it. oneDNN takes
    // negative right padding as "stop early".
    return {(oh - 1) * sh + (kh - 1) * dh + 1 - h - pt, (ow - 1) * sw + (kw - 1) * dw + 1 - w - pl};
  }
  std::string key() const {
    std::ostringstream s;
    s << n << ',' << h << ',' << w << ',' << c << ',' << kh << ',' << kw << ',' << o << ',' << oh << ',' << ow << ','
      << sh << ',' << sw << ',' << dh << ',' << dw << ',' << pt << ',' << pl << ',' << groups;
    return s.str();
  }
};

constexpr size_t kGeometryLength = 16;

bool geometryFrom(const int32_t* v, Geometry* g) {
  *g = Geometry{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]};
  return g->groups >= 1 && g->c % g->groups == 0 && g->o % g->groups == 0;
}

convolution_forward::primitive_desc forwardHint(const Geometry& g, bool bias, const primitive_attr& attr) {
  memory::desc src(g.src(), dt::f32, tag::nhwc), dst(g.dst(), dt::f32, tag::nhwc);
  memory::desc wei(g.wei(), dt::f32, tag::any);
  auto d = bias ? convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src, wei,
                                            memory::desc({g.o}, dt::f32, tag::a), dst, g.strides(), g.dilates(),
                                            g.padL(), g.padR())
                : convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src, wei, dst,
                                            g.strides(), g.dilates(), g.padL(), g.padR());
  return convolution_forward::primitive_desc(d, attr, cpu());
}

// The user's filter (HWIO, or HWIGO when grouped) and the layout a primitive wants. `move` reorders between them —
// into the primitive's layout for a forward pass or input gradient, back to the user's for a filter gradient — and is
// built once: the user's data pointer is given at each execution.
struct FilterLayout {
  memory::desc user;
  bool reorders = false;
  memory wanted;
  reorder move;
  FilterLayout() = default;
  FilterLayout(const Geometry& g, const memory::desc& primitive, bool intoPrimitive) : user(g.wei(), dt::f32, g.userTag()) {
    reorders = primitive != user;
    if (!reorders) return;
    wanted = memory(primitive, cpu());
    memory userData(user, cpu(), nullptr);
    move = intoPrimitive ? reorder(userData, wanted) : reorder(wanted, userData);
  }
  // The filter at `userData` as the primitive reads it.
  memory read(memory userData) {
    if (!reorders) return userData;
    move.execute(strm(), userData, wanted);
    return wanted;
  }
  // Where the primitive writes a filter gradient bound for `userData`; `finish` moves it there.
  memory target(const memory& userData) const { return reorders ? wanted : userData; }
  void finish(memory userData) {
    if (reorders) move.execute(strm(), wanted, userData);
  }
};

// activation: 0 none, 1 relu, 2 relu6.
struct Forward {
  convolution_forward::primitive_desc pd;
  convolution_forward prim;
  FilterLayout filter;
  Forward(const Geometry& g, bool bias, int activation) {
    primitive_attr attr;
    if (activation) {
      post_ops po;
      if (activation == 1) po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
      else po.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f);
      attr.set_post_ops(po);
    }
    pd = forwardHint(g, bias, attr);
    prim = convolution_forward(pd);
    filter = FilterLayout(g, pd.weights_desc(), true);
  }
};

struct BackwardData {
  convolution_backward_data::primitive_desc pd;
  convolution_backward_data prim;
  FilterLayout filter;
  BackwardData(const Geometry& g) {
    auto hint = forwardHint(g, false, primitive_attr());
    memory::desc diffSrc(g.src(), dt::f32, tag::nhwc), diffDst(g.dst(), dt::f32, tag::nhwc);
    convolution_backward_data::desc d(algorithm::convolution_direct, diffSrc, memory::desc(g.wei(), dt::f32, tag::any),
                                      diffDst, g.strides(), g.dilates(), g.padL(), g.padR());
    pd = convolution_backward_data::primitive_desc(d, cpu(), hint);
    prim = convolution_backward_data(pd);
    filter = FilterLayout(g, pd.weights_desc(), true);
  }
};

struct BackwardWeights {
  convolution_backward_weights::primitive_desc pd;
  convolution_backward_weights prim;
  FilterLayout filter;
  BackwardWeights(const Geometry& g) {
    auto hint = forwardHint(g, false, primitive_attr());
    memory::desc src(g.src(), dt::f32, tag::nhwc), diffDst(g.dst(), dt::f32, tag::nhwc);
    convolution_backward_weights::desc d(algorithm::convolution_direct, src, memory::desc(g.wei(), dt::f32, tag::any),
                                         diffDst, g.strides(), g.dilates(), g.padL(), g.padR());
    pd = convolution_backward_weights::primitive_desc(d, cpu(), hint);
    prim = convolution_backward_weights(pd);
    filter = FilterLayout(g, pd.diff_weights_desc(), false);
  }
};

template <typename T>
T& cached(std::unordered_map<std::string, std::unique_ptr<T>>& cache, const std::string& key,
          const std::function<T*()>& make) {
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  return *cache.emplace(key, std::unique_ptr<T>(make())).first->second;
}

std::unordered_map<std::string, std::unique_ptr<Forward>> forwards;
std::unordered_map<std::string, std::unique_ptr<BackwardData>> backwardData;
std::unordered_map<std::string, std::unique_ptr<BackwardWeights>> backwardWeights;

// ---- Node-API glue ----

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, nullptr, "@kd/tfjs-onednn: Node-API call failed"); \
      return nullptr;                                                        \
    }                                                                        \
  } while (0)

napi_value throwError(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, ("@kd/tfjs-onednn: " + message).c_str());
  return nullptr;
}

// The heap argument: a Uint8Array over the wasm memory (plain or shared).
bool heapArg(napi_env env, napi_value value, uint8_t** heap, size_t* heapBytes) {
  napi_typedarray_type type;
  void* data;
  napi_value buffer;
  size_t byteOffset;
  if (napi_get_typedarray_info(env, value, &type, heapBytes, &data, &buffer, &byteOffset) != napi_ok ||
      type != napi_uint8_array)
    return false;
  *heap = static_cast<uint8_t*>(data);
  return true;
}

// The geometry argument: an Int32Array of kGeometryLength values (wasm-heap.ts geometryOf).
bool geometryArg(napi_env env, napi_value value, Geometry* g) {
  napi_typedarray_type type;
  size_t length;
  int32_t* geo;
  napi_value buffer;
  size_t byteOffset;
  return napi_get_typedarray_info(env, value, &type, &length, reinterpret_cast<void**>(&geo), &buffer, &byteOffset) ==
             napi_ok &&
         type == napi_int32_array && length == kGeometryLength && geometryFrom(geo, g);
}

// args: heap, then `expected − 1` numbers (byte offsets, sizes, flags).
bool readNumbers(napi_env env, napi_callback_info info, size_t expected, uint8_t** heap, size_t* heapBytes,
                 double* numbers, Geometry* g = nullptr) {
  napi_value argv[16];
  size_t argc = 16;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != expected ||
      !heapArg(env, argv[0], heap, heapBytes))
    return false;
  // Convolutions: the geometry comes second, the numbers after it.
  const size_t first = g ? 2 : 1;
  if (g && !geometryArg(env, argv[1], g)) return false;
  for (size_t i = first; i < expected; i++)
    if (napi_get_value_double(env, argv[i], &numbers[i - first]) != napi_ok) return false;
  return true;
}

bool inHeap(size_t heapBytes, double offset, int64_t elements) {
  return offset >= 0 && offset + 4.0 * static_cast<double>(elements) <= static_cast<double>(heapBytes);
}

// Reads the heap, the geometry and N numbers (byte offsets, and flags where `sizes` gives −1), checks that every
// tensor lies inside the heap (`sizes`: its element count, −1 for none), runs `body` and turns oneDNN's errors into
// JS exceptions (the kernels then fall back to the ones they replaced).
template <size_t N, typename Sizes, typename Body>
napi_value convCall(napi_env env, napi_callback_info info, const std::string& name, Sizes sizes, Body body) {
  uint8_t* heap;
  size_t heapBytes;
  Geometry g;
  double off[N];
  if (!readNumbers(env, info, N + 2, &heap, &heapBytes, off, &g)) return throwError(env, name + ": bad arguments");
  const std::array<int64_t, N> n = sizes(g, off);
  for (size_t i = 0; i < N; i++)
    if (n[i] >= 0 && !inHeap(heapBytes, off[i], n[i])) return throwError(env, name + ": a tensor lies outside the heap");
  try {
    body(heap, g, off);
    strm().wait();
  } catch (const dnnl::error& e) {
    return throwError(env, name + ": " + e.what());
  }
  return nullptr;
}

memory at(const memory::desc& d, uint8_t* heap, double offset) {
  return memory(d, cpu(), heap + static_cast<size_t>(offset));
}

// forward(heap, geometry, x, filter, bias (-1: none), y, activation)
napi_value Forward_(napi_env env, napi_callback_info info) {
  return convCall<5>(
      env, info, "forward",
      [](const Geometry& g, const double* off) {
        return std::array<int64_t, 5>{g.n * g.h * g.w * g.c, g.weiSize(), off[2] >= 0 ? g.o : -1,
                                      g.n * g.oh * g.ow * g.o, -1};
      },
      [](uint8_t* heap, const Geometry& g, const double* off) {
        const bool bias = off[2] >= 0;
        const int activation = static_cast<int>(off[4]);
        auto& f = cached<Forward>(forwards, g.key() + (bias ? ",b" : ",-") + std::to_string(activation),
                                  [&] { return new Forward(g, bias, activation); });
        std::unordered_map<int, memory> args{{DNNL_ARG_SRC, at(f.pd.src_desc(), heap, off[0])},
                                             {DNNL_ARG_WEIGHTS, f.filter.read(at(f.filter.user, heap, off[1]))},
                                             {DNNL_ARG_DST, at(f.pd.dst_desc(), heap, off[3])}};
        if (bias) args.emplace(DNNL_ARG_BIAS, at(f.pd.bias_desc(), heap, off[2]));
        f.prim.execute(strm(), args);
      });
}

// backwardData(heap, geometry, dy, filter, dx)
napi_value BackwardData_(napi_env env, napi_callback_info info) {
  return convCall<3>(
      env, info, "backwardData",
      [](const Geometry& g, const double*) {
        return std::array<int64_t, 3>{g.n * g.oh * g.ow * g.o, g.weiSize(), g.n * g.h * g.w * g.c};
      },
      [](uint8_t* heap, const Geometry& g, const double* off) {
        auto& b = cached<BackwardData>(backwardData, g.key(), [&] { return new BackwardData(g); });
        b.prim.execute(strm(), {{DNNL_ARG_DIFF_DST, at(b.pd.diff_dst_desc(), heap, off[0])},
                                {DNNL_ARG_WEIGHTS, b.filter.read(at(b.filter.user, heap, off[1]))},
                                {DNNL_ARG_DIFF_SRC, at(b.pd.diff_src_desc(), heap, off[2])}});
      });
}

// backwardWeights(heap, geometry, x, dy, dw)
napi_value BackwardWeights_(napi_env env, napi_callback_info info) {
  return convCall<3>(
      env, info, "backwardWeights",
      [](const Geometry& g, const double*) {
        return std::array<int64_t, 3>{g.n * g.h * g.w * g.c, g.n * g.oh * g.ow * g.o, g.weiSize()};
      },
      [](uint8_t* heap, const Geometry& g, const double* off) {
        auto& b = cached<BackwardWeights>(backwardWeights, g.key(), [&] { return new BackwardWeights(g); });
        memory userWei = at(b.filter.user, heap, off[2]);
        b.prim.execute(strm(), {{DNNL_ARG_SRC, at(b.pd.src_desc(), heap, off[0])},
                                {DNNL_ARG_DIFF_DST, at(b.pd.diff_dst_desc(), heap, off[1])},
                                {DNNL_ARG_DIFF_WEIGHTS, b.filter.target(userWei)}});
        b.filter.finish(userWei);
      });
}

// implementations(geometry) → "fwd|bwd_d|bwd_w" names of the kernels oneDNN picked (to check it is not a reference
// loop on this CPU).
napi_value Implementations_(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  Geometry g;
  if (argc != 1 || !geometryArg(env, argv[0], &g)) return throwError(env, "implementations: bad geometry");
  std::string names;
  try {
    names = std::string(Forward(g, false, 0).pd.impl_info_str()) + "|" + BackwardData(g).pd.impl_info_str() + "|" +
            BackwardWeights(g).pd.impl_info_str();
  } catch (const dnnl::error& e) {
    return throwError(env, std::string("implementations: ") + e.what());
  }
  napi_value result;
  CHECK(napi_create_string_utf8(env, names.c_str(), names.size(), &result));
  return result;
}

// The arguments of an element-wise call: the heap, then numbers — tensors' byte offsets (-1: an absent optional
// one), sizes and scalars. `tensor` checks that a tensor of so many floats lies in the heap; a call whose tensors do
// not is refused as a whole (`ok`).
struct HeapArgs {
  uint8_t* heap = nullptr;
  size_t bytes = 0;
  double n[15] = {};
  bool ok = true;
  float* tensor(int i, int64_t elements, bool optional = false) {
    if (optional && n[i] < 0) return nullptr;
    if (elements <= 0 || !inHeap(bytes, n[i], elements)) {
      ok = false;
      return nullptr;
    }
    return reinterpret_cast<float*>(heap + static_cast<size_t>(n[i]));
  }
  int64_t integer(int i) const { return static_cast<int64_t>(n[i]); }
};

bool readHeapArgs(napi_env env, napi_callback_info info, size_t numbers, HeapArgs* a) {
  return readNumbers(env, info, numbers + 1, &a->heap, &a->bytes, a->n);
}

// ---- Per-channel element-wise kernels ----
// wasm's broadcasting loops walk every element with index arithmetic: a [N, H, W, C] tensor times a per-channel [C]
// vector (batch-norm statistics and their gradients) runs 5× slower there than a same-shape product. Here a row of C
// values at a time, vectorised by the compiler for the CPU the addon is built on, split over OpenMP threads by rows
// (each output written by one thread: same bytes with any thread count).

// Below this many elements a thread team costs more than it saves.
constexpr int64_t kParallelFrom = 1 << 15;

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

// ---- Training-mode batch normalisation, whole ----
// tfjs-layers builds a training batch norm from some twenty kernels (moments, normalisation, and the gradient of
// each); PyTorch runs it as one forward and one backward call. These are those two calls. Statistics are summed in
// double over a fixed number of row chunks, added in order: the same bits with any thread count.

// Per-channel sums of f(row) over all rows, in fixed chunks: s1[k] = Σ a[r,k], s2[k] = Σ a[r,k]·(b[r,k] − shift[k]) or,
// without b, Σ (a[r,k] − shift[k])². Both in double.
void channelMoments(const float* a, const float* b, const float* shift, int64_t rows, int64_t channels, double* s1,
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

napi_value SetThreads_(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  int32_t n;
  CHECK(napi_get_value_int32(env, argv[0], &n));
  if (n < 1) return throwError(env, "setThreads: expected an integer >= 1");
  omp_set_num_threads(n);
  return nullptr;
}

napi_value Info_(napi_env env, napi_callback_info) {
  const dnnl_version_t* v = dnnl_version();
  std::ostringstream s;
  s << "{\"version\":\"" << v->major << '.' << v->minor << '.' << v->patch << "\",\"threads\":" << omp_get_max_threads()
    << ",\"isa\":" << static_cast<int>(get_effective_cpu_isa()) << "}";
  napi_value result;
  const std::string json = s.str();
  CHECK(napi_create_string_utf8(env, json.c_str(), json.size(), &result));
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"forward", nullptr, Forward_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"backwardData", nullptr, BackwardData_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"backwardWeights", nullptr, BackwardWeights_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"implementations", nullptr, Implementations_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"channelBinary", nullptr, ChannelBinary_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"channelSum", nullptr, ChannelSum_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNorm", nullptr, BatchNorm_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormTraining", nullptr, BatchNormTraining_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"relu", nullptr, Relu_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reluGrad", nullptr, ReluGrad_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgdUpdate", nullptr, SgdUpdate_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormTrainingGrad", nullptr, BatchNormTrainingGrad_, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info_, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  CHECK(napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)

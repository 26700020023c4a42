// Convolutions on oneDNN: forward (with bias and a fused ReLU/ReLU6), the input gradient and the filter gradient,
// reading and writing tensors where they lie in the wasm heap.
#include "kd_onednn.h"

#include "conv-geometry.h"

namespace kd_onednn {
namespace {

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

// The input gradient and the filter gradient: the same set-up, hinted by the forward pass, with the image-shaped
// tensors in NHWC and the filter in whatever layout the primitive prefers. They differ only in the filter's role: the
// input gradient reads it (reordered into the primitive's layout), the filter gradient writes it (reordered back).
template <typename Primitive, bool writesFilter>
struct Backward {
  typename Primitive::primitive_desc pd;
  Primitive prim;
  FilterLayout filter;
  explicit Backward(const Geometry& g) {
    auto hint = forwardHint(g, false, primitive_attr());
    // `src`: the input for the filter gradient, the input's gradient for the input gradient.
    memory::desc src(g.src(), dt::f32, tag::nhwc), diffDst(g.dst(), dt::f32, tag::nhwc);
    typename Primitive::desc d(algorithm::convolution_direct, src, memory::desc(g.wei(), dt::f32, tag::any), diffDst,
                               g.strides(), g.dilates(), g.padL(), g.padR());
    pd = typename Primitive::primitive_desc(d, cpu(), hint);
    prim = Primitive(pd);
    filter = FilterLayout(g, writesFilter ? pd.diff_weights_desc() : pd.weights_desc(), !writesFilter);
  }
};

using BackwardData = Backward<convolution_backward_data, false>;
using BackwardWeights = Backward<convolution_backward_weights, true>;

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

}  // namespace

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

}  // namespace kd_onednn

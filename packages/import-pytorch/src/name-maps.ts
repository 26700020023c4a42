/**
 * Where each kd layer of a backbone finds its parameters in a PyTorch state dict: the module path of the reference
 * model (RepDistiller / mdistiller `models/cifar/*.py`, torchvision `resnet*`), and for ShuffleNetV1's grouped 1×1
 * convolutions (split by kd into one convolution per group) the group it takes.
 */
export interface ModuleRef {
  readonly module: string;
  /** 1-based group of a grouped convolution whose output channels kd holds as separate convolutions. */
  readonly group?: number;
}

/** Maps a kd layer name (scope removed, e.g. `stage1_block2_1_conv`) to its PyTorch module, or undefined. */
export type LayerMap = (layer: string) => ModuleRef | undefined;

/** A zoo family: the name it is known by and its map. */
export interface ZooFamily {
  readonly name: string;
  readonly map: LayerMap;
}

type Rule = readonly [RegExp, (m: RegExpExecArray) => string];

const rules =
  (...list: Rule[]): LayerMap =>
  (layer) => {
    for (const [re, to] of list) {
      const m = re.exec(layer);
      if (m) return { module: to(m) };
    }
    return undefined;
  };

const n = (s: string | undefined) => Number(s);

/** ResNets: mdistiller resnet.py (`downsample`, `fc`), torchvision (the same names), resnetv2.py (`shortcut`, `linear`). */
function resnetMap(shortcut: 'downsample' | 'shortcut', classifier: 'fc' | 'linear'): LayerMap {
  return rules(
    [/^stem_(conv|bn)$/, (m) => `${m[1]}1`],
    [/^stage(\d)_block(\d+)_([123])_(conv|bn)$/, (m) => `layer${m[1]}.${n(m[2]) - 1}.${m[4]}${m[3]}`],
    [/^stage(\d)_block(\d+)_down_(conv|bn)$/, (m) => `layer${m[1]}.${n(m[2]) - 1}.${shortcut}.${m[3] === 'conv' ? 0 : 1}`],
    [/^classifier$/, () => classifier],
  );
}

/** mdistiller wrn.py: `block{g}.layer.{i}.{bn1,conv1,bn2,conv2,convShortcut}`, final `bn1`, `fc`. */
const wrnMap = rules(
  [/^stem_conv$/, () => 'conv1'],
  [/^stage(\d)_block(\d+)_([12])_(conv|bn)$/, (m) => `block${m[1]}.layer.${n(m[2]) - 1}.${m[4]}${m[3]}`],
  [/^stage(\d)_block(\d+)_short_conv$/, (m) => `block${m[1]}.layer.${n(m[2]) - 1}.convShortcut`],
  [/^final_bn$/, () => 'bn1'],
  [/^classifier$/, () => 'fc'],
);

/** mdistiller vgg.py: `block{k}` is a Sequential of [conv, BN, ReLU]×j without the last ReLU: conv j at index 3(j−1). */
const vggMap = rules(
  [/^block(\d)_(\d+)_conv$/, (m) => `block${m[1]}.${3 * (n(m[2]) - 1)}`],
  [/^block(\d)_(\d+)_bn$/, (m) => `block${m[1]}.${3 * (n(m[2]) - 1) + 1}`],
  [/^classifier$/, () => 'classifier'],
);

/** mdistiller mobilenetv2.py: `conv1` / `conv2` are [conv, BN, ReLU]; a block's `conv` is [pw, BN, ReLU, dw, BN, ReLU, pw, BN]. */
const mobilenetV2Map = rules(
  [/^stem_(conv|bn)$/, (m) => `conv1.${m[1] === 'conv' ? 0 : 1}`],
  [/^head_(conv|bn)$/, (m) => `conv2.${m[1] === 'conv' ? 0 : 1}`],
  [
    /^block(\d)_(\d+)_(expand|dw|project)_(conv|bn)$/,
    (m) => `blocks.${n(m[1]) - 1}.${n(m[2]) - 1}.conv.${{ expand: 0, dw: 3, project: 6 }[m[3] as 'expand'] + (m[4] === 'bn' ? 1 : 0)}`,
  ],
  [/^classifier$/, () => 'classifier.0'],
);

/** mdistiller ShuffleNetv1.py: `layer{s}.{i}.{conv1,bn1,conv2,bn2,conv3,bn3}`, `linear`; grouped 1×1 convs split per group. */
const shuffleV1Map: LayerMap = (layer) => {
  const grouped = /^stage(\d)_unit(\d+)_(conv1|conv3)_g(\d+)_conv$/.exec(layer);
  if (grouped) return { module: `layer${grouped[1]}.${n(grouped[2]) - 1}.${grouped[3]}`, group: n(grouped[4]) };
  return rules(
    [/^stem_(conv|bn)$/, (m) => `${m[1]}1`],
    [/^stage(\d)_unit(\d+)_(conv1|conv3)_conv$/, (m) => `layer${m[1]}.${n(m[2]) - 1}.${m[3]}`],
    [/^stage(\d)_unit(\d+)_(conv1|dw|conv3)_bn$/, (m) => `layer${m[1]}.${n(m[2]) - 1}.bn${{ conv1: 1, dw: 2, conv3: 3 }[m[3] as 'dw']}`],
    [/^stage(\d)_unit(\d+)_dw_conv$/, (m) => `layer${m[1]}.${n(m[2]) - 1}.conv2`],
    [/^classifier$/, () => 'linear'],
  )(layer);
};

/** mdistiller ShuffleNetv2.py: `layer{s}.0` is the DownBlock (conv1…conv5), `layer{s}.{u}` the basic units. */
const shuffleV2Map = rules(
  [/^stem_(conv|bn)$/, (m) => `${m[1]}1`],
  [/^head_(conv|bn)$/, (m) => `${m[1]}2`],
  [
    /^stage(\d)_down_(left_dw|left_conv|right_conv1|right_dw|right_conv2)_(conv|bn)$/,
    (m) => `layer${m[1]}.0.${m[3]}${{ left_dw: 1, left_conv: 2, right_conv1: 3, right_dw: 4, right_conv2: 5 }[m[2] as 'left_dw']}`,
  ],
  [/^stage(\d)_unit(\d+)_(conv1|dw|conv2)_(conv|bn)$/, (m) => `layer${m[1]}.${m[2]}.${m[4]}${{ conv1: 1, dw: 2, conv2: 3 }[m[3] as 'dw']}`],
  [/^classifier$/, () => 'linear'],
);

const CIFAR_RESNETS = ['resnet8', 'resnet14', 'resnet20', 'resnet32', 'resnet44', 'resnet56', 'resnet110', 'resnet8x4', 'resnet32x4'];

/** The supported kd backbones (name and variant) and the PyTorch definitions their checkpoints come from. */
export const SUPPORTED: readonly string[] = [
  `resnet ${CIFAR_RESNETS.join('/')} (mdistiller/RepDistiller models/cifar/resnet.py)`,
  'resnet cifar_resnet18/cifar_resnet50 (models/cifar/resnetv2.py ResNet18/ResNet50)',
  'resnet resnet18/resnet34/resnet50 (torchvision.models)',
  'wrn any depth/widen (models/cifar/wrn.py)',
  'vgg vgg8/11/13/16/19 (models/cifar/vgg.py, the _bn models)',
  'mobilenet mobilenetv2/mobilenetv2_half (models/cifar/mobilenetv2.py)',
  'shufflenet shufflenetv1/shufflenetv2 (models/cifar/ShuffleNetv1.py, ShuffleNetv2.py)',
];

/** The family of a kd backbone spec, or undefined where no PyTorch reference map exists (e.g. cnn, mobilenetv1). */
export function zooFamily(spec: { readonly name: string; readonly options: Readonly<Record<string, unknown>> }): ZooFamily | undefined {
  const variant = spec.options['variant'];
  switch (spec.name) {
    case 'resnet':
      if (typeof variant === 'string' && CIFAR_RESNETS.includes(variant))
        return { name: `mdistiller ${variant}`, map: resnetMap('downsample', 'fc') };
      if (variant === 'cifar_resnet18' || variant === 'cifar_resnet50')
        return { name: `mdistiller resnetv2 ${variant}`, map: resnetMap('shortcut', 'linear') };
      if (variant === 'resnet18' || variant === 'resnet34' || variant === 'resnet50')
        return { name: `torchvision ${variant}`, map: resnetMap('downsample', 'fc') };
      return undefined;
    case 'wrn':
      return { name: `mdistiller wrn_${String(spec.options['depth'])}_${String(spec.options['widen'])}`, map: wrnMap };
    case 'vgg':
      return { name: `mdistiller ${String(variant)}_bn`, map: vggMap };
    case 'mobilenet':
      return variant === 'mobilenetv2' || variant === 'mobilenetv2_half'
        ? { name: `mdistiller ${variant}`, map: mobilenetV2Map }
        : undefined;
    case 'shufflenet':
      if (variant === 'shufflenetv1') return { name: 'mdistiller ShuffleV1', map: shuffleV1Map };
      if (variant === 'shufflenetv2') return { name: 'mdistiller ShuffleV2', map: shuffleV2Map };
      return undefined;
    default:
      return undefined;
  }
}

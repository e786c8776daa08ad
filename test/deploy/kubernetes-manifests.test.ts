import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigMap, Namespace, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parse } from 'yaml';
import { subgraphNames } from '../../lib/config.ts';
import {
  entrypointRoles,
  kubernetesDir,
  kustomize,
  loadKubernetesResources,
  parseEnvFile,
  read,
  type Env,
  type KubernetesObject,
} from './deploy-files.ts';
import { declarationOf, unknownFields } from './kubernetes-fields.ts';
import { assertProductionSettings, gatewayPaths, hostAndPort, image, portOf, subgraphPaths } from './production-settings.ts';

/**
 * deploy/kubernetes checked without a cluster: every object against Kubernetes' schemas (kubernetes-models'
 * validators, and the field lists of its declarations for unknown fields), `kubectl kustomize` when kubectl is
 * installed, then against the code: each process gets the settings production requires from the ConfigMap and the
 * Secret, URLs and probes name the Services, ports and paths the processes serve, the roles are the entrypoint's, one
 * image tag throughout, and every Deployment has its Service, autoscaler and resources.
 */

const version = (JSON.parse(read('package.json')) as { version: string }).version;
const roles = entrypointRoles();
const resources = loadKubernetesResources();
const objects = resources.flatMap((resource) => resource.objects);

/** kubernetes-models' validators (Kubernetes' OpenAPI schemas) for the kinds the manifests use. */
const kubernetesModels: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

function assertValidKubernetes(object: KubernetesObject, where: string) {
  const Model = kubernetesModels[`${object.apiVersion}/${object.kind}`];
  assert.ok(Model, `${where}: no validator for ${object.apiVersion} ${object.kind}; add it to kubernetesModels`);
  assert.doesNotThrow(() => new Model(object).validate(), `${where}: ${object.kind} ${object.metadata.name} is not valid`);
  const declaration = declarationOf(object.apiVersion, object.kind);
  assert.ok(declaration, `${where}: no field list for ${object.apiVersion} ${object.kind}`);
  assert.deepEqual(unknownFields(object, declaration), [], `${where}: ${object.kind} ${object.metadata.name} has fields Kubernetes does not know`);
}

describe('deploy/kubernetes', () => {
  const deployments = objects.filter((object) => object.kind === 'Deployment');
  const ofKind = (kind: string) => objects.filter((object) => object.kind === kind);
  const exampleSecret = parseEnvFile(read(`${kubernetesDir}secret.example.env`));
  const configMaps = new Map(ofKind('ConfigMap').map((map) => [map.metadata.name, map.data ?? {}]));

  it('is valid against the Kubernetes schemas', () => {
    for (const { file, objects } of resources) for (const object of objects) assertValidKubernetes(object, file);
    // The validator is not a formality: a port that is not a number fails it.
    const broken = structuredClone(deployments[0]);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    assert.throws(() => new Deployment(broken).validate());
    // Nor is the field check: a misspelt field is found, where it is.
    const misspelt = structuredClone(deployments[0]);
    const container = misspelt.spec.template.spec.containers[0];
    container.readinesProbe = container.readinessProbe;
    assert.deepEqual(unknownFields(misspelt, declarationOf('apps/v1', 'Deployment')!), ['spec.template.spec.containers[0].readinesProbe']);
  });

  it('builds with `kubectl kustomize`, every object in the psgraph namespace', (t) => {
    const built = kustomize();
    if (!built) return t.skip('kubectl is not installed: `kubectl kustomize deploy/kubernetes` not run');
    for (const object of built) assertValidKubernetes(object, 'kubectl kustomize');
    const counts = (kind: string) => built.filter((object) => object.kind === kind).length;
    assert.deepEqual([counts('Deployment'), counts('Service'), counts('HorizontalPodAutoscaler')], [6, 6, 6]);
    for (const object of built.filter((object) => object.kind !== 'Namespace')) assert.equal(object.metadata.namespace, 'psgraph');
    for (const deployment of built.filter((object) => object.kind === 'Deployment')) {
      assert.equal(deployment.spec.template.spec.containers[0].image, image);
    }
    const kustomization = parse(read(`${kubernetesDir}kustomization.yaml`)) as { images: { name: string; newTag: string }[] };
    assert.deepEqual(kustomization.images, [{ name: 'psgraph', newTag: version }]);
  });

  it('runs the gateway and each subgraph as a Deployment behind a Service, scaled by an autoscaler', () => {
    const services = new Map(ofKind('Service').map((service) => [service.metadata.name, service]));
    const autoscalers = new Map(ofKind('HorizontalPodAutoscaler').map((hpa) => [hpa.spec.scaleTargetRef.name, hpa]));
    assert.deepEqual(deployments.map((deployment) => deployment.spec.template.spec.containers[0].args[0]).sort(), ['gateway', ...subgraphNames].sort());
    for (const deployment of deployments) {
      const name = deployment.metadata.name;
      const labels = deployment.spec.template.metadata.labels;
      const container = deployment.spec.template.spec.containers[0];
      assert.deepEqual(deployment.spec.selector.matchLabels, labels, `${name}: the selector matches its pods`);
      assert.equal(container.image, image, `${name}: the image is ${image} everywhere`);
      assert.ok(roles.includes(container.args[0]), `${name}: unknown role ${container.args[0]}`);
      const service = services.get(name);
      assert.ok(service, `${name}: no Service`);
      for (const [key, value] of Object.entries(service.spec.selector)) assert.equal(labels[key], value, `${name}: the Service selects its pods`);
      const hpa = autoscalers.get(name);
      assert.ok(hpa && hpa.spec.scaleTargetRef.kind === 'Deployment', `${name}: no HorizontalPodAutoscaler`);
      assert.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas, `${name}: scales from two replicas`);
      for (const kind of ['requests', 'limits']) {
        assert.ok(container.resources?.[kind]?.cpu && container.resources[kind].memory, `${name}: resources.${kind}`);
      }
      assert.equal(deployment.spec.template.spec.securityContext.runAsNonRoot, true);
    }
    for (const pdb of ofKind('PodDisruptionBudget')) assert.ok(deployments.some((d) => d.metadata.name === pdb.metadata.name));
  });

  /** A container's environment as the process sees it: ConfigMaps, literal values, and the Secret's example values. */
  function environmentOf(container: any, where: string): Env {
    const env: Env = {};
    for (const source of container.envFrom ?? []) {
      const data = configMaps.get(source.configMapRef?.name);
      assert.ok(data, `${where}: envFrom names ConfigMap ${source.configMapRef?.name}, which the manifests do not define`);
      Object.assign(env, data);
    }
    for (const variable of container.env ?? []) {
      const secret = variable.valueFrom?.secretKeyRef;
      if (secret) {
        assert.equal(secret.name, 'psgraph', `${where}: ${variable.name} comes from the Secret psgraph`);
        assert.ok(secret.key in exampleSecret, `${where}: key ${secret.key} is missing from secret.example.env`);
        env[variable.name] = exampleSecret[secret.key] || `stand-in-${secret.key.toLowerCase()}`;
      } else {
        assert.equal(typeof variable.value, 'string', `${where}: ${variable.name} has a literal value or a secretKeyRef`);
        env[variable.name] = variable.value;
      }
    }
    return env;
  }

  it('gives each process the settings production requires, secrets from the Secret', () => {
    for (const deployment of deployments) {
      const container = deployment.spec.template.spec.containers[0];
      assertProductionSettings(`kubernetes ${deployment.metadata.name}`, container.args[0], environmentOf(container, deployment.metadata.name));
    }
    for (const key of Object.keys(exampleSecret)) {
      const used = deployments.some((deployment) =>
        deployment.spec.template.spec.containers[0].env.some((variable: any) => variable.valueFrom?.secretKeyRef?.key === key),
      );
      assert.ok(used, `secret.example.env lists ${key}, which no Deployment reads`);
    }
  });

  it('points each URL setting at the Service and port that serves it', () => {
    const servicePorts = new Map(ofKind('Service').map((service) => [service.metadata.name, service.spec.ports[0].port]));
    for (const deployment of deployments) {
      const env = environmentOf(deployment.spec.template.spec.containers[0], deployment.metadata.name);
      for (const [variable, value] of Object.entries(env)) {
        if (!/^(CRM|HCM|PSA|TIME|ERP|GATEWAY)_URL$/.test(variable)) continue;
        const target = variable === 'GATEWAY_URL' ? 'gateway' : variable.slice(0, -4).toLowerCase();
        assert.deepEqual(hostAndPort(value), { host: target, port: servicePorts.get(target), path: '/graphql' }, `${deployment.metadata.name}: ${variable}`);
      }
    }
  });

  it('probes each process on a path and port it serves', () => {
    for (const deployment of deployments) {
      const name = deployment.metadata.name;
      const container = deployment.spec.template.spec.containers[0];
      const role = container.args[0];
      const env = environmentOf(container, name);
      const http = container.ports.find((port: any) => port.name === 'http');
      assert.equal(http?.containerPort, portOf(role, env), `${name}: the http port is the one the process listens on`);
      const service = ofKind('Service').find((s) => s.metadata.name === name)!;
      assert.equal(service.spec.ports[0].targetPort, 'http');
      const served = role === 'gateway' ? gatewayPaths : subgraphPaths;
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        const httpGet = container[probe]?.httpGet;
        assert.ok(httpGet, `${name}: ${probe}`);
        assert.equal(httpGet.port, 'http', `${name}: ${probe} port`);
        assert.ok(served.has(httpGet.path), `${name}: ${probe} asks ${httpGet.path}, which the process does not serve`);
      }
      assert.equal(container.livenessProbe.httpGet.path, '/healthz', `${name}: liveness is the process itself`);
      if (role === 'gateway') assert.equal(container.readinessProbe.httpGet.path, '/readyz', 'the gateway is ready when its subgraphs are');
    }
  });
});

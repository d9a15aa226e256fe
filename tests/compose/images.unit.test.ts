// Without a Docker engine, what the compose topology runs is checked against the images' published
// contents: every image pinned to a release, and every health check naming a program its image has.
import { APPS, repoFile, service, services } from './compose-file';

const dockerfile = repoFile('Dockerfile');
const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? '';

/**
 * What each image is known to contain, from its published build files. A health check may only run a
 * program listed here for its image; a new image or a new program goes in this table with its source.
 */
const IMAGE_CONTENTS: readonly { image: RegExp; programs: readonly string[]; source: string }[] = [
  {
    // bash and the Kafka CLI: confluentinc/common-docker base/Dockerfile.ubi8 (cp-base-new: UBI 8 minimal
    // with bash) and confluentinc/kafka-images kafka/Dockerfile.ubi8 (kafka-topics, kafka-configs, kafka-acls).
    image: /^confluentinc\/cp-(zookeeper|kafka|schema-registry):/,
    programs: ['bash', 'kafka-topics', 'kafka-configs', 'kafka-acls'],
    source: 'github.com/confluentinc/common-docker, github.com/confluentinc/kafka-images',
  },
  {
    image: /^postgres:\d+\.\d+-alpine$/,
    programs: ['pg_isready'],
    source:
      'github.com/docker-library/postgres <major>/alpine*/Dockerfile (server and client programs in /usr/local/bin)',
  },
  {
    image: /^redis:\d+\.\d+\.\d+-alpine$/,
    programs: ['redis-cli'],
    source:
      'github.com/docker-library/redis <version>/alpine/Dockerfile (make install: redis-server, redis-cli)',
  },
  {
    image: /^prom\/prometheus:v3\./,
    programs: ['wget', 'sh', 'promtool'],
    source: 'github.com/prometheus/prometheus Dockerfile (FROM quay.io/prometheus/busybox: busybox wget, sh)',
  },
  {
    // The services' image: the Dockerfile of this repository, FROM the Node image (node in /usr/local/bin).
    image: /^orderflow-app:local$/,
    programs: ['node', 'sh', 'tini'],
    source: `Dockerfile (FROM ${nodeImage}: github.com/nodejs/docker-node; tini from Debian's package)`,
  },
];

/** The program a health check runs: CMD's first word, or the shell's (CMD-SHELL). */
function healthProgram(test: string[] | string): string {
  const [kind, ...rest] = typeof test === 'string' ? ['CMD-SHELL', test] : test;
  if (kind === 'CMD-SHELL') return (rest.join(' ').trim().split(/\s+/)[0] ?? '').replace(/^exec$/, '');
  if (kind !== 'CMD') throw new Error(`health check ${JSON.stringify(test)} is neither CMD nor CMD-SHELL`);
  return rest[0] ?? '';
}

/** The image a service runs; a service built from a Dockerfile target other than the final one has none to check. */
function imageOf(name: string): string {
  return service(name).image ?? '';
}

describe('every image of docker-compose.yml is pinned to a release', () => {
  test.each(Object.keys(services))('%s', (name) => {
    const s = service(name);
    if (s.build !== undefined) {
      // Built here: from the Dockerfile, whose base image is pinned (below).
      expect(s.build.dockerfile).toBe('Dockerfile');
      return;
    }
    // name:tag naming one release: major.minor.patch (a `v` prefix allowed), never latest, a major or a
    // minor alone, whose contents change under the same name. PostgreSQL numbers its releases major.minor.
    const release = s.image?.startsWith('postgres:') ? String.raw`\d+\.\d+` : String.raw`v?\d+\.\d+\.\d+`;
    expect(s.image).toMatch(new RegExp(String.raw`^[\w./-]+:${release}(-[\w.]+)?(@sha256:[0-9a-f]{64})?$`));
  });

  test('the Dockerfile builds every stage from the one pinned Node 24 image', () => {
    expect(nodeImage).toMatch(/^node:24\.\d+\.\d+-[\w.-]+$/);
    for (const [, base] of dockerfile.matchAll(/^FROM (\S+)/gm)) expect(base).toBe('${NODE_IMAGE}');
  });
});

describe('every health check runs a program its image has (IMAGE_CONTENTS, from the published build files)', () => {
  const checked = Object.entries(services).filter(([, s]) => s.healthcheck !== undefined);

  test('the services, the infrastructure and Prometheus have health checks', () => {
    expect(checked.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        ...Object.keys(APPS),
        'zookeeper',
        'kafka',
        'schema-registry',
        'postgres',
        'redis',
        'prometheus',
      ]),
    );
  });

  test.each(checked.map(([name]) => name))('%s', (name) => {
    const image = imageOf(name);
    const program = healthProgram(service(name).healthcheck!.test);
    const known = IMAGE_CONTENTS.find((c) => c.image.test(image));
    expect({ name, image, known: known !== undefined }).toEqual({ name, image, known: true });
    expect({ name, image, program, has: known!.programs.includes(program) }).toEqual({
      name,
      image,
      program,
      has: true,
    });
  });

  test('the kafka health check uses only the Kafka CLI and bash', () => {
    const test = JSON.stringify(service('kafka').healthcheck?.test);
    expect(test).toContain('kafka-topics');
  });

  test('the services’ image installs tini and runs everything under it', () => {
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends tini/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
  });
});

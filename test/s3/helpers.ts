// A real S3-compatible server for the S3 tests: s3rver (a devDependency) in a child process on
// a free loopback port, with one bucket, and this process's environment pointed at it the way
// a user's would be (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...), so child processes inherit it.
// s3rver runs in its own process because ctx.checkpointFile and ctx.textFile block this
// thread while they read S3. Tests skip, naming s3rver, when it is not installed.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Proc } from '../cluster/helpers.js';

const require = createRequire(import.meta.url);

function s3rverBin(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
  } catch {
    return undefined;
  }
}

/** Why the S3 tests cannot run here, or undefined when they can. */
export const s3SkipReason: string | undefined =
  s3rverBin() === undefined
    ? 's3rver not installed: the S3 tests need it (a devDependency: npm ci)'
    : undefined;

/** s3rver's fixed credentials: it checks signatures against them. */
export const S3RVER_KEY = 'S3RVER';

export class TestS3 {
  private constructor(
    private readonly proc: Proc,
    private readonly dir: string,
    readonly endpoint: string,
    readonly bucket: string,
    readonly client: S3Client,
  ) {}

  /** Starts s3rver with `bucket` and points this process's AWS environment at it. */
  static async start(bucket = 'kindling-test'): Promise<TestS3> {
    const bin = s3rverBin();
    if (bin === undefined) throw new Error('s3rver is not installed');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-s3rver-'));
    const args = [bin, '-d', dir, '-a', '127.0.0.1', '-p', '0', '--silent'];
    const proc = new Proc(
      spawn(process.execPath, [...args, '--configure-bucket', bucket], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const line = await proc.waitFor(/S3rver listening on/);
    const port = Number(/:(\d+)\s*$/.exec(line)?.[1]);
    const endpoint = `http://127.0.0.1:${port}`;
    Object.assign(process.env, TestS3.environment(endpoint));
    const client = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
    });
    return new TestS3(proc, dir, endpoint, bucket, client);
  }

  /** What a user sets to reach an S3-compatible server. */
  static environment(endpoint: string): Record<string, string> {
    return {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
      // The SDK warns on Node 20 that its releases after early 2027 will need Node 22.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  }

  url(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async keys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
      for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys.sort();
  }

  async get(key: string): Promise<Buffer> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async stop(): Promise<void> {
    this.client.destroy();
    this.proc.child.kill('SIGKILL');
    await this.proc.exited;
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// The whole SDK: every public export kept, so nothing is tree-shaken away.
export * from '@webmqtt/client';

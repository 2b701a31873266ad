import { runConformance } from '../../../../test/conformance/runner.ts'
import { mapepireFixture } from './fixture.ts'

runConformance(mapepireFixture, 'mapepire-local')
